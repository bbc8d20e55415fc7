/* A tiny TCP server: socket, bind, listen, accept (network.listen). */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0)
		return 1;
	int c = accept(s, 0, 0);
	close(c);
	return 0;
}
