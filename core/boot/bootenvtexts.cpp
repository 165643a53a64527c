#include "core/boot/bootenvtexts.h"

#include "core/base/sentencematcher.h"

namespace metaldesk {

namespace {

// In the Events context with the rest of what events say: tst_eventtexts walks them in Korean.
const char *const kSentences[] = {
    // bootenv/init
    QT_TRANSLATE_NOOP("Events", "the kernel command line has no valid metaldesk.token "
                                "(consumer_key:token_key:token_secret) for %1; check the iPXE script MetalDesk "
                                "serves for this machine"),
    QT_TRANSLATE_NOOP("Events", "the kernel command line has no metaldesk.purpose; boot this environment from "
                                "MetalDesk's iPXE script"),
    QT_TRANSLATE_NOOP("Events", "unknown metaldesk.purpose '%1' (expected enlist, commission, deploy, release, rescue "
                                "or poweroff)"),
    QT_TRANSLATE_NOOP("Events", "the kernel command line has no metaldesk.metadata URL; boot this environment from "
                                "MetalDesk's iPXE script"),
    QT_TRANSLATE_NOOP("Events", "unknown metaldesk.erase '%1' (expected none, quick or secure)"),
    QT_TRANSLATE_NOOP("Events", "no NIC got an address by DHCP (tried: %1); check that this machine's boot NIC is on "
                                "MetalDesk's boot network"),
    QT_TRANSLATE_NOOP("Events", "the %1 did not finish within %2 minutes; see this machine's console"),
    QT_TRANSLATE_NOOP("Events", "the boot environment's agent stopped unexpectedly (status %1); see this machine's "
                                "console"),
    // bootenv/rootfs.sh
    QT_TRANSLATE_NOOP("Events", "could not download %1 %2 (%3); check the image in MetalDesk"),
    QT_TRANSLATE_NOOP("Events", "%1 %2 does not match its SHA-256 (got %3, the catalogue says %4); import the image "
                                "again"),
    QT_TRANSLATE_NOOP("Events", "the image's boot-initrd holds an archive this environment cannot unpack (gzip, xz, "
                                "zstd or cpio) at byte %1"),
    QT_TRANSLATE_NOOP("Events", "the image's boot-initrd could not be unpacked (%1)"),
    QT_TRANSLATE_NOOP("Events", "the image's boot-initrd has an uncompressed archive without its end (TRAILER!!!)"),
    QT_TRANSLATE_NOOP("Events", "MetalDesk sent no kernel or initrd with the %1 image; import the image again"),
    QT_TRANSLATE_NOOP("Events", "/dev/%1 (%2 MiB) is too small for a root filesystem (1 GiB at least)"),
    QT_TRANSLATE_NOOP("Events", "could not clear /dev/%1 (%2); the disk may be failing"),
    QT_TRANSLATE_NOOP("Events", "could not partition /dev/%1 (%2)"),
    QT_TRANSLATE_NOOP("Events", "the kernel shows no /dev/%1 after partitioning /dev/%2"),
    QT_TRANSLATE_NOOP("Events", "could not make the EFI system partition on /dev/%1 (%2)"),
    QT_TRANSLATE_NOOP("Events", "could not make the root filesystem on /dev/%1 (%2)"),
    QT_TRANSLATE_NOOP("Events", "could not mount the new root filesystem /dev/%1"),
    QT_TRANSLATE_NOOP("Events", "the image %1 is not a squashfs this kernel can read"),
    QT_TRANSLATE_NOOP("Events", "could not download the image %1 (%2); check the image in MetalDesk"),
    QT_TRANSLATE_NOOP("Events", "MetalDesk sent an image of format '%1', which this environment cannot install"),
    QT_TRANSLATE_NOOP("Events", "extracting the image onto /dev/%1 failed (%2); the disk may be full or failing"),
    QT_TRANSLATE_NOOP("Events", "the image %1 holds no root filesystem (no /etc, no /usr/bin/env)"),
    QT_TRANSLATE_NOOP("Events", "the image's boot-initrd names no kernel version (lib/modules/<version>)"),
    QT_TRANSLATE_NOOP("Events", "could not copy the kernel's modules into the installed system"),
    QT_TRANSLATE_NOOP("Events", "neither the image's boot-initrd nor its root holds the modules of kernel %1"),
    QT_TRANSLATE_NOOP("Events", "could not write the kernel into the installed system's /boot"),
    QT_TRANSLATE_NOOP("Events", "could not prepare the installed system to run its own tools"),
    QT_TRANSLATE_NOOP("Events", "could not write GRUB's configuration into the installed system"),
    QT_TRANSLATE_NOOP("Events", "could not write GRUB for BIOS to /dev/%1 (%2)"),
    QT_TRANSLATE_NOOP("Events", "could not mount the new EFI system partition /dev/%1"),
    QT_TRANSLATE_NOOP("Events", "could not write GRUB for UEFI to /dev/%1"),
    // bootenv/blockmap.sh
    QT_TRANSLATE_NOOP("Events", "the image is larger than /dev/%1 (%2 MiB); choose a bigger disk or a smaller image"),
    QT_TRANSLATE_NOOP("Events", "could not zero /dev/%1 where the image holds no data (%2); the disk may be failing"),
    QT_TRANSLATE_NOOP("Events", "writing the image to /dev/%1 failed (%2); the disk may be failing"),
};

// Words the scripts put into their sentences (fetch_file's WHAT, the boot purpose).
const char *const kWords[] = {
    QT_TRANSLATE_NOOP("Events", "the image"),       QT_TRANSLATE_NOOP("Events", "the boot-initrd"),
    QT_TRANSLATE_NOOP("Events", "the boot-kernel"), QT_TRANSLATE_NOOP("Events", "enlist"),
    QT_TRANSLATE_NOOP("Events", "commission"),      QT_TRANSLATE_NOOP("Events", "deploy"),
    QT_TRANSLATE_NOOP("Events", "release"),         QT_TRANSLATE_NOOP("Events", "rescue"),
    QT_TRANSLATE_NOOP("Events", "the block map"),
};

} // namespace

QList<QByteArray> bootEnvironmentSentences()
{
    QList<QByteArray> sentences;
    for (const char *s : kSentences)
        sentences << QByteArray(s);
    return sentences;
}

Text bootEnvironmentText(const QString &reason)
{
    static const SentenceMatcher matcher = [] {
        SentenceMatcher m(true);
        for (const char *w : kWords)
            m.addWord(QString::fromUtf8(w), Text::kEventContext, w);
        for (const char *s : kSentences)
            m.addSentence(Text::kEventContext, s, QString::fromUtf8(s), false);
        return m;
    }();
    return matcher.match(reason).value_or(Text::plain(reason));
}

} // namespace metaldesk
