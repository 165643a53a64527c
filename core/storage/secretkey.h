#pragma once

#include "core/base/expected.h"
#include "core/storage/secretbox.h"

#include <memory>

namespace metaldesk {

class Database;

// Where the key that seals a database's secrets lives, on this computer. A key file
// (secretKeyPath), when there is one, is the key. In a desktop session whose keyring works, it is
// moved into the keyring in two halves: a start copies it into a new random entry (read back) and
// writes a marker beside the file naming that entry (<key file>.keyring, no secret in it); a later
// start that reads the entry back deletes the file. So the data folder copied whole holds no
// password, and the file goes only once the keyring kept the key past a process's life. While the
// marker names an entry and there is no key file, only that entry is the key: a start that cannot
// read it (no session, a locked or missing keyring, no such entry, a damaged marker) is refused
// with the way forward, and no new key is ever made in its place. Entries are never overwritten.
// `metaldesk secret-key file` brings the key back into the file for good (a headless host;
// recorded in the database), `secret-key keyring` starts the move again. Every step holds an
// exclusive lock (<key file>.lock), so that two MetalDesks starting at once neither move nor make
// a key twice.
namespace secretkey {

enum class Place {
    Keyring,
    File
};

// The key of an open, migrated database (Database::open calls it).
Expected<std::shared_ptr<const SecretBox>> open(Database &db);
// Moves the key of an open database to `place`, and records the choice.
Expected<void> moveTo(Database &db, Place place);
// Where the key of an open database is kept, for people.
QString describePlace(const Database &db);

} // namespace secretkey
} // namespace metaldesk
