#pragma once

#include <QString>
#include <csignal>
#include <optional>
#include <sys/types.h>

class QProcess;

namespace metaldesk::testing {

// A local system account (from the password database).
struct SystemUser {
    QString name;
    uid_t uid = 0;
    gid_t gid = 0;
};
std::optional<SystemUser> findSystemUser(const QString &name);

// Makes the process that `process` starts drop root for `user` before it executes, and get
// `deathSignal` when the thread that started it ends (a test that crashes or times out leaves no
// server behind). Unlike `runuser`, nothing stays in between: processId() is the program's own PID.
// With `networkNamespace` (a name `ip netns` made), the program runs inside that namespace.
void runAsUser(QProcess &process, const SystemUser &user, int deathSignal = SIGKILL,
               const QString &networkNamespace = {});

// Only the parent-death signal: for helpers started as the current user.
void dieWithParent(QProcess &process, int deathSignal = SIGKILL);

// What a process holds, from /proc (-1 when it cannot be read): its resident memory in bytes, its
// open descriptors, and its soft limit on them.
qint64 residentBytes(qint64 pid);
int openDescriptors(qint64 pid);
qint64 openFileLimit(qint64 pid);

// How long the attack tests hold each attack: METALDESK_ATTACK_SECONDS (the `long` label sets it),
// else `otherwise`.
int attackSeconds(int otherwise);

} // namespace metaldesk::testing
