#include "app/cli/unixsignalwatcher.h"

#include <atomic>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk {

namespace {
// The one piece of process-wide state: a POSIX signal handler cannot be given a context pointer.
std::atomic<int> &handlerFd()
{
    static std::atomic<int> fd{-1};
    return fd;
}

void onSignal(int number)
{
    const char byte = char(number);
    const int fd = handlerFd().load();
    if (fd >= 0) [[maybe_unused]]
        auto written = ::write(fd, &byte, 1);
}
} // namespace

UnixSignalWatcher::UnixSignalWatcher(QObject *parent) : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) != 0)
        return;
    handlerFd().store(fds_[0]);
    notifier_ = new QSocketNotifier(fds_[1], QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        if (::read(fds_[1], &byte, 1) == 1)
            emit terminationRequested(int(byte));
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

UnixSignalWatcher::~UnixSignalWatcher()
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    handlerFd().store(-1);
    for (int fd : fds_)
        if (fd >= 0)
            ::close(fd);
}

} // namespace metaldesk
