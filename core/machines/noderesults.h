#pragma once

#include "core/boot/nodereports.h"
#include "core/storage/database.h"

#include <optional>

namespace metaldesk {

// The stored results of machines' boot environments (commissioning_results), read-only: what the
// console shows of a machine. NodeReports writes them as machines report; this only reads, so a
// view needs neither the lifecycle engine nor the change feed to show them. Safe from any thread
// (one database connection per thread).
class NodeResultStore {
public:
    explicit NodeResultStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // The newest result of that name (NodeReports::kCommissioningResult, ...); nullopt when the
    // machine never sent one.
    Expected<std::optional<NodeResult>> latest(const QString &systemId, const QString &name) const;

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
