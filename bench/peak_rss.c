/* Runs a command once and prints its peak resident set in kB (ru_maxrss).
 * A small C parent on purpose: the kernel carries a process's high-water
 * mark across exec, so a child forked from Python would report Python's.
 *
 * Usage: peak-rss COMMAND [ARG]… (the command's output goes to /dev/null) */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc < 2) {
        fputs("usage: peak-rss COMMAND [ARG]...\n", stderr);
        return 2;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (pid < 0 || wait4(pid, &status, 0, &usage) < 0)
        return 1;
    printf("%ld\n", usage.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
