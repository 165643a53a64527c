#pragma once

#include "core/storage/database.h"

#include <optional>

namespace metaldesk {

// The last screenful of a machine's serial console, as MetalDesk last read it, kept with the
// machine (a boot that hung is still there to read after the VM was switched off).
struct ConsoleRecord {
    QString screen;
    // Why MetalDesk is not reading it now, in words ("" while it reads): the VM is off, another
    // program holds the console, the host does not answer. The watcher's own notes are stored in
    // English and translated when shown (context "Console"); libvirt's errors as they came.
    QString note;
    qint64 updated = 0; // ms since epoch
};

class ConsoleStore {
public:
    explicit ConsoleStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
    Expected<void> save(const QString &systemId, const ConsoleRecord &record) const;
    Expected<std::optional<ConsoleRecord>> get(const QString &systemId) const;

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
