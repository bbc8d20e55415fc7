/* Networks only through libnet.so.1 (built from libnet.c): like curl through libcurl. */
#include <sys/socket.h>

int net_dial(const struct sockaddr *a, socklen_t n);

int main(void) {
	struct sockaddr s = {0};
	return net_dial(&s, sizeof s) < 0;
}
