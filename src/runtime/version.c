/* version.c: the library's version string. */
const char *cr__version(void);
const char *cr__version(void)
{
    return "0.1.0";
}
