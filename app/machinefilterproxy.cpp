#include "machinefilterproxy.h"

#include "machinetablemodel.h"

namespace metaldesk {

namespace {

// "Failed deployment", "failed-deployment" and "FAILED_DEPLOYMENT" all become "faileddeployment".
QString squeezed(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (QChar c : text)
        if (c.isLetterOrNumber())
            out += c.toLower();
    return out;
}

bool matchesAny(const QStringList &candidates, const QString &value, bool exact, bool prefix)
{
    for (const QString &c : candidates) {
        if (exact ? c == value : prefix ? c.startsWith(value) : c.contains(value))
            return true;
    }
    return false;
}

} // namespace

MachineFilter MachineFilter::parse(QStringView text)
{
    struct KeyName {
        const char *name;
        Key key;
    };
    static constexpr KeyName keys[] = {
        {"status", Key::Status},
        {"owner", Key::Owner},
        {"arch", Key::Architecture},
        {"architecture", Key::Architecture},
        {"power", Key::Power},
        {"name", Key::Name},
        {"hostname", Key::Name},
        {"id", Key::SystemId},
        {"system_id", Key::SystemId},
        {"systemid", Key::SystemId},
        {"mac", Key::Mac},
        {"mac_address", Key::Mac},
    };

    MachineFilter filter;
    const QStringList tokens = text.toString().simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString &token : tokens) {
        const qsizetype colon = token.indexOf(QLatin1Char(':'));
        std::optional<Key> key;
        if (colon > 0) {
            const QString name = token.left(colon).toLower();
            for (const KeyName &k : keys)
                if (name == QLatin1String(k.name))
                    key = k.key;
        }
        if (!key) {
            filter.words_ << token.toLower();
            continue;
        }
        Term term{*key, {}};
        QStringView value = QStringView(token).mid(colon + 1);
        if (value.startsWith(QLatin1Char('!'))) {
            term.negated = true;
            value = value.mid(1);
        }
        if (value.startsWith(QLatin1Char('='))) {
            term.exact = true;
            value = value.mid(1);
        }
        for (QStringView v : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            QString normalised = *key == Key::Status ? squeezed(v) : v.toString().toLower();
            if (*key == Key::Mac)
                normalised.replace(QLatin1Char('-'), QLatin1Char(':'));
            if (!normalised.isEmpty())
                term.values << normalised;
        }
        // "status:" while the user is still typing: no condition yet rather than no machines.
        if (!term.values.isEmpty())
            filter.terms_ << term;
    }
    return filter;
}

bool MachineFilter::termMatches(const Term &term, const Machine &m)
{
    QStringList candidates;
    bool prefix = true;
    switch (term.key) {
    case Key::Status:
        candidates = {squeezed(nodeStatusName(m.status)), squeezed(QString::fromLatin1(nodeStatusKey(m.status))),
                      squeezed(MachineTableModel::statusText(m.status))};
        break;
    case Key::Owner: candidates = {m.owner.toLower()}; break;
    case Key::Architecture: candidates = {m.architecture.toLower()}; break;
    case Key::Power:
        candidates = {m.powerState.toLower(), MachineTableModel::powerStateText(m.powerState).toLower()};
        break;
    case Key::Name:
        candidates = {m.hostname.toLower()};
        prefix = false;
        break;
    case Key::SystemId:
        candidates = {m.systemId.toLower()};
        prefix = false;
        break;
    case Key::Mac:
        for (const Interface &i : m.interfaces)
            candidates << i.macAddress;
        prefix = false;
        break;
    }
    bool any = false;
    for (const QString &value : term.values)
        any = any || matchesAny(candidates, value, term.exact, prefix);
    return any != term.negated;
}

bool MachineFilter::matches(const Machine &m) const
{
    for (const Term &term : terms_)
        if (!termMatches(term, m))
            return false;
    if (words_.isEmpty())
        return true;
    QStringList fields = {m.hostname.toLower(),
                          m.systemId.toLower(),
                          m.owner.toLower(),
                          m.architecture.toLower(),
                          nodeStatusName(m.status).toLower(),
                          MachineTableModel::statusText(m.status).toLower()};
    for (const Interface &i : m.interfaces)
        fields << i.macAddress;
    for (const QString &word : words_)
        if (!matchesAny(fields, word, false, false))
            return false;
    return true;
}

MachineFilterProxy::MachineFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(MachineTableModel::SortRole);
    collator_.setNumericMode(true);
    collator_.setCaseSensitivity(Qt::CaseInsensitive);
}

void MachineFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    machines_ = qobject_cast<const MachineTableModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void MachineFilterProxy::setFilterText(const QString &text)
{
    if (text == text_)
        return;
    text_ = text;
    filter_ = MachineFilter::parse(text);
    invalidateFilter();
}

bool MachineFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!machines_ || sourceParent.isValid() || filter_.isEmpty())
        return true;
    return filter_.matches(machines_->machineAt(sourceRow));
}

bool MachineFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    int order = 0;
    if (l.typeId() == QMetaType::QString && r.typeId() == QMetaType::QString) {
        order = collator_.compare(l.toString(), r.toString());
    } else {
        const QPartialOrdering c = QVariant::compare(l, r);
        order = c == QPartialOrdering::Less ? -1 : c == QPartialOrdering::Greater ? 1 : 0;
    }
    if (order != 0 || !machines_)
        return order < 0;
    // Equal values (three Ready machines): order those by name, so the list does not shuffle.
    const Machine &a = machines_->machineAt(left.row());
    const Machine &b = machines_->machineAt(right.row());
    if (const int byName = collator_.compare(a.hostname, b.hostname); byName != 0)
        return byName < 0;
    return a.systemId < b.systemId;
}

} // namespace metaldesk
