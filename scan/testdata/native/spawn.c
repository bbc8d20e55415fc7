/* Runs a command with system() (process.exec) and loads a plugin with dlopen (code.dynamic). */
#include <dlfcn.h>
#include <stdlib.h>

int main(int argc, char **argv) {
	if (argc > 2)
		return dlopen(argv[2], RTLD_NOW) == 0;
	return argc > 1 ? system(argv[1]) : 0;
}
