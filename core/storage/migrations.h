#pragma once

#include "core/base/expected.h"

#include <QSqlDatabase>

namespace metaldesk {

// The newest schema version this program knows.
int latestSchemaVersion();

// Brings the database up to latestSchemaVersion(), one transaction per version. Refuses a
// database written by a newer MetalDesk, and a non-empty database that is not MetalDesk's.
// Returns the schema version now in force.
Expected<int> applyMigrations(QSqlDatabase db, bool postgres, const QString &displayName);

} // namespace metaldesk
