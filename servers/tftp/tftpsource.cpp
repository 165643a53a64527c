#include "servers/tftp/tftpsource.h"

#include "servers/boot/bootfiles.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace metaldesk::tftp {

FileSource::FileSource(const QString &path)
{
    fd_ = boot::openOnDisk(boot::OnDisk{path});
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        error_ = errno;
        return;
    }
    size_ = st.st_size;
    // Boot images are read once, front to back: let the kernel read ahead generously.
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileSource::~FileSource()
{
    if (fd_ >= 0)
        ::close(fd_);
}

qint64 FileSource::read(char *out, qint64 max)
{
    qint64 total = 0;
    while (total < max) {
        const ssize_t n = ::read(fd_, out + total, size_t(max - total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return total > 0 ? total : -1;
        }
        if (n == 0)
            break;
        total += n;
    }
    return total;
}

qint64 BytesSource::read(char *out, qint64 max)
{
    const qint64 n = qMin<qint64>(max, bytes_.size() - position_);
    std::memcpy(out, bytes_.constData() + position_, size_t(n));
    position_ += n;
    return n;
}

NetasciiSource::NetasciiSource(std::unique_ptr<Source> inner, qint64 size)
    : inner_(std::move(inner)), input_(64 * 1024), size_(size)
{
}

qint64 NetasciiSource::read(char *out, qint64 max)
{
    qint64 written = 0;
    if (hasPending_ && written < max) {
        out[written++] = pending_;
        hasPending_ = false;
    }
    while (written < max) {
        if (inputPosition_ == inputLength_) {
            const qint64 n = inner_->read(input_.data(), qint64(input_.size()));
            if (n < 0)
                return written > 0 ? written : -1;
            if (n == 0)
                break;
            inputPosition_ = 0;
            inputLength_ = n;
        }
        while (written < max && inputPosition_ < inputLength_) {
            const char c = input_[size_t(inputPosition_++)];
            if (c != '\n' && c != '\r') {
                out[written++] = c;
                continue;
            }
            out[written++] = '\r';
            const char second = c == '\n' ? '\n' : '\0';
            if (written < max) {
                out[written++] = second;
            } else {
                pending_ = second;
                hasPending_ = true;
            }
        }
    }
    return written;
}

qint64 netasciiSize(QByteArrayView text) { return text.size() + text.count('\n') + text.count('\r'); }

} // namespace metaldesk::tftp
