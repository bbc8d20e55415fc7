/* A tiny TCP client: getaddrinfo, socket, connect (network.connect). */
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	struct addrinfo *ai;
	if (argc < 2 || getaddrinfo(argv[1], "80", 0, &ai) != 0)
		return 1;
	int s = socket(ai->ai_family, SOCK_STREAM, 0);
	int r = connect(s, ai->ai_addr, ai->ai_addrlen);
	close(s);
	return r != 0;
}
