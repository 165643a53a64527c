#include "core/images/blockmap.h"

#include "core/base/sha256.h"

#include <QCoreApplication>

#include <cstring>

namespace metaldesk {

namespace {

constexpr qint64 kReadChunk = 4 << 20;

struct BlockMapText {
    Q_DECLARE_TR_FUNCTIONS(BlockMap)
};

bool allZero(const char *data, qint64 length)
{
    static const char zeros[kBlockMapBlock] = {};
    return std::memcmp(data, zeros, size_t(length)) == 0;
}

// The next bytes of `in`, waiting for a process's output; empty at its end.
QByteArray readSome(QIODevice &in)
{
    QByteArray chunk = in.read(kReadChunk);
    if (chunk.isEmpty() && in.waitForReadyRead(60000))
        chunk = in.read(kReadChunk);
    return chunk;
}

} // namespace

QByteArray BlockMap::text() const
{
    QByteArray out = "# MetalDesk block map 1\n";
    out += "size " + QByteArray::number(size) + '\n';
    out += "image-sha256 " + imageSha256 + '\n';
    out += "data-sha256 " + dataSha256 + '\n';
    for (const BlockRange &r : ranges)
        out += "range " + QByteArray::number(r.offset) + ' ' + QByteArray::number(r.length) + '\n';
    return out;
}

Expected<BlockMap> mapDiskImage(QIODevice &in, QFileDevice *sparseCopy, JobContext &context)
{
    BlockMap map;
    Sha256 data, image;
    qint64 pos = 0;     // bytes of the image read and mapped
    qint64 zeroRun = 0; // zeros since the current range's last data (or since the last range ended)
    bool inRange = false;
    QByteArray pending; // less than a block, waiting for the rest
    static const QByteArray zeros(kBlockMapMinGap, '\0');

    auto write = [&](qint64 offset, const char *bytes, qint64 length) -> bool {
        return !sparseCopy || (sparseCopy->seek(offset) && sparseCopy->write(bytes, length) == length);
    };
    auto writeFailed = [&] { return Error{BlockMapText::tr("cannot write %1").arg(sparseCopy->fileName())}; };
    // One block (the last may be short): extends the range, or counts towards a gap.
    auto take = [&](const char *block, qint64 length) -> bool {
        image.addData(QByteArrayView(block, length));
        if (allZero(block, length)) {
            zeroRun += length;
            pos += length;
            return true;
        }
        if (inRange && zeroRun < kBlockMapMinGap) {
            // A short run of zeros travels inside the range: counted in its bytes, left a hole here.
            for (qint64 left = zeroRun; left > 0; left -= qMin(left, qint64(zeros.size())))
                data.addData(QByteArrayView(zeros.constData(), qMin(left, qint64(zeros.size()))));
            map.ranges.last().length += zeroRun + length;
        } else {
            map.ranges << BlockRange{pos, length};
            inRange = true;
        }
        zeroRun = 0;
        data.addData(QByteArrayView(block, length));
        const bool written = write(pos, block, length);
        pos += length;
        return written;
    };

    for (QByteArray chunk = readSome(in); !chunk.isEmpty(); chunk = readSome(in)) {
        if (context.isCancelled())
            return Error{BlockMapText::tr("cancelled")};
        context.addDone(chunk.size());
        qint64 at = 0;
        if (!pending.isEmpty()) {
            const qint64 need = qMin(kBlockMapBlock - pending.size(), qint64(chunk.size()));
            pending.append(chunk.constData(), need);
            at = need;
            if (pending.size() < kBlockMapBlock)
                continue;
            if (!take(pending.constData(), kBlockMapBlock))
                return writeFailed();
            pending.clear();
        }
        for (; at + kBlockMapBlock <= chunk.size(); at += kBlockMapBlock)
            if (!take(chunk.constData() + at, kBlockMapBlock))
                return writeFailed();
        pending.append(chunk.constData() + at, chunk.size() - at);
    }
    if (!pending.isEmpty() && !take(pending.constData(), pending.size()))
        return writeFailed();
    // A range ends at its last data: zeros after it are the gap to the image's end.
    map.size = pos;
    if (sparseCopy && (!sparseCopy->resize(pos) || !sparseCopy->flush()))
        return writeFailed();
    map.dataSha256 = data.hexResult();
    map.imageSha256 = image.hexResult();
    return map;
}

} // namespace metaldesk
