#pragma once

#include "core/machines/machine.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QStringList>

namespace metaldesk {

class MachineTableModel;

// What the user typed in the machine filter, parsed once: free words, each of which must appear in
// the name, system id, a MAC address, a tag, the owner, the architecture or the status; and MAAS-style
// terms "key:value", all of which must hold. A plain value: no models, easy to test.
//
//   status:ready          the status, by its name without spaces or its MAAS key
//                         (status:failed-deployment, status:faileddeployment, status:FAILED_DEPLOYMENT)
//   owner:alice arch:amd64 power:on tag:ssd zone:rack1 pool:lab   by prefix; name: id: mac: by substring
//   status:ready,broken   either value;  status:!deployed  not;  owner:=al  exactly "al"
//
// Words that look like terms with an unknown key (a MAC such as 52:54:00) stay free words.
class MachineFilter {
public:
    static MachineFilter parse(QStringView text);
    bool isEmpty() const { return words_.isEmpty() && terms_.isEmpty(); }
    bool matches(const Machine &machine) const { return matches(machine, searchText(machine)); }
    // The same, with the machine's searchText() worked out beforehand (a list keeps one per row).
    bool matches(const Machine &machine, QStringView searchText) const;
    // What free words are looked for in: the name, system id, owner, architecture, MAC
    // addresses and tags, lower case, one per line.
    static QString searchText(const Machine &machine);

private:
    enum class Key {
        Status,
        Owner,
        Architecture,
        Power,
        Name,
        SystemId,
        Mac,
        Tag,
        Zone,
        Pool
    };
    struct Term {
        Key key;
        QStringList values; // any may match; normalised for the key
        bool exact = false;
        bool negated = false;
        QSet<int> statuses; // status terms: the statuses a value matches, decided once when parsed
    };
    static bool termMatches(const Term &term, const Machine &machine);

    // Everything per machine is compared in place, without copies: the filter runs over every
    // machine at each keystroke, 100,000 of them in a large installation.
    QStringList words_; // lower case
    QList<Term> terms_;
    QHash<int, QString> statusWords_; // per status: its name and the text shown, lower case
};

// Sorts as MachineTableModel::compareRows orders (numbers as numbers, names naturally: node-2
// before node-10) and filters with a MachineFilter.
class MachineFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit MachineFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *model) override;
    void setFilterText(const QString &text);
    const QString &filterText() const { return text_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    const MachineTableModel *machines_ = nullptr;
    MachineFilter filter_;
    QString text_;
};

} // namespace metaldesk
