#pragma once

#include "core/base/expected.h"
#include "core/storage/secretbox.h"

#include <memory>

namespace metaldesk {

class Database;

// Where the key that seals a database's secrets lives, on this computer. A key file
// (secretKeyPath), when there is one, is the key. In a desktop session whose keyring works, that
// file's key is moved into the keyring under a new random entry: written, read back, then named in
// a marker file beside where the key file was (<key file>.keyring, no secret in it), then the file
// is deleted; so the data folder copied whole holds no password. While the marker names an entry
// and there is no key file, only that entry is the key: a start that cannot read it (no session,
// a locked or missing keyring, no such entry) is refused with the way forward, and no new key is
// ever made in its place. Entries are never overwritten. `metaldesk secret-key file` brings the
// key back into the file for good (a headless host; recorded in the database), `secret-key
// keyring` moves it in again. Every step holds an exclusive lock (<key file>.lock), so that two
// MetalDesks starting at once do not both move or make a key.
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
