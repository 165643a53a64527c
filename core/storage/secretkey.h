#pragma once

#include "core/base/expected.h"
#include "core/storage/secretbox.h"

#include <memory>

namespace metaldesk {

class Database;

// Where the key that seals a database's secrets lives. In the desktop keyring when this process
// has a desktop session whose keyring works: a key file found beside the database is moved in
// (written, read back, then deleted), so that the data folder copied whole holds no password.
// Otherwise in the key file (secretKeyPath). The place is recorded in the database: once the key is
// in the keyring, a start without that keyring is refused with the way forward, rather than making
// a new key under which the stored secrets would not open. `metaldesk secret-key file` keeps it in
// the file for good (a headless host), `secret-key keyring` moves it back.
namespace secretkey {

enum class Place {
    Keyring,
    File
};

// The key of an open, migrated database (Database::open calls it).
Expected<std::shared_ptr<const SecretBox>> open(Database &db);
// Moves the key of an open database to `place`, and records it there.
Expected<void> moveTo(Database &db, Place place);
// Where the key of an open database is kept, for people.
Expected<QString> describePlace(Database &db);

} // namespace secretkey
} // namespace metaldesk
