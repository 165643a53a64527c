#include "app/machines/machinefilterproxy.h"

#include "app/machines/machinetablemodel.h"

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
        {"tag", Key::Tag},
        {"tags", Key::Tag},
        {"zone", Key::Zone},
        {"pool", Key::Pool},
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
        Term term;
        term.key = *key;
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
        if (*key == Key::Status)
            for (NodeStatus status : allNodeStatuses()) {
                const QStringList names{squeezed(nodeStatusName(status)),
                                        squeezed(QString::fromLatin1(nodeStatusKey(status))),
                                        squeezed(MachineTableModel::statusText(status))};
                for (const QString &v : std::as_const(term.values))
                    if (matchesAny(names, v, term.exact, true))
                        term.statuses.insert(int(status));
            }
        // "status:" while the user is still typing: no condition yet rather than no machines.
        if (!term.values.isEmpty())
            filter.terms_ << term;
    }
    if (!filter.words_.isEmpty())
        for (NodeStatus status : allNodeStatuses())
            filter.statusWords_.insert(int(status), nodeStatusName(status).toLower() + QLatin1Char('\n') +
                                                        MachineTableModel::statusText(status).toLower());
    return filter;
}

bool MachineFilter::termMatches(const Term &term, const Machine &m)
{
    // `value` is lower case; machines' texts are compared without regard to case, in place.
    auto holds = [&term](const QString &text, const QString &value, bool prefix) {
        if (term.exact)
            return text.compare(value, Qt::CaseInsensitive) == 0;
        return prefix ? text.startsWith(value, Qt::CaseInsensitive) : text.contains(value, Qt::CaseInsensitive);
    };
    bool any = false;
    if (term.key == Key::Status)
        any = term.statuses.contains(int(m.status));
    for (qsizetype v = 0; !any && v < term.values.size(); ++v) {
        const QString &value = term.values[v];
        switch (term.key) {
        case Key::Status: break;
        case Key::Owner: any = holds(m.owner, value, true); break;
        case Key::Architecture: any = holds(m.architecture, value, true); break;
        case Key::Power:
            any =
                holds(m.powerState, value, true) || holds(MachineTableModel::powerStateText(m.powerState), value, true);
            break;
        case Key::Name: any = holds(m.hostname, value, false); break;
        case Key::SystemId: any = holds(m.systemId, value, false); break;
        case Key::Mac:
            for (const Interface &i : m.interfaces)
                any = any || holds(i.macAddress, value, false);
            break;
        case Key::Tag:
            for (const QString &tag : m.tags)
                any = any || holds(tag, value, true);
            break;
        case Key::Zone: any = holds(m.zone, value, true); break;
        case Key::Pool: any = holds(m.pool, value, true); break;
        }
    }
    return any != term.negated;
}

QString MachineFilter::searchText(const Machine &m)
{
    QString text =
        m.hostname + QLatin1Char('\n') + m.systemId + QLatin1Char('\n') + m.owner + QLatin1Char('\n') + m.architecture;
    for (const Interface &i : m.interfaces)
        text += QLatin1Char('\n') + i.macAddress;
    for (const QString &tag : m.tags)
        text += QLatin1Char('\n') + tag;
    return text.toLower();
}

bool MachineFilter::matches(const Machine &m, QStringView searchText) const
{
    for (const Term &term : terms_)
        if (!termMatches(term, m))
            return false;
    if (words_.isEmpty())
        return true;
    const QString statusWords = statusWords_.value(int(m.status));
    // Words and texts are both lower case: a plain search, much faster than one ignoring case.
    for (const QString &word : words_)
        if (!searchText.contains(word) && !statusWords.contains(word))
            return false;
    return true;
}

MachineFilterProxy::MachineFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(MachineTableModel::SortRole);
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
    // One layout change, not invalidateFilter(): that removes and inserts the rows range by range,
    // and a filter that keeps every third machine of 100,000 makes tens of thousands of ranges,
    // each of which the view handles on its own (a quarter of a second). Selected rows that still
    // match stay selected either way.
    invalidate();
}

bool MachineFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!machines_ || sourceParent.isValid() || filter_.isEmpty())
        return true;
    return filter_.matches(machines_->machineAt(sourceRow), machines_->searchTextAt(sourceRow));
}

bool MachineFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (machines_)
        return machines_->compareRows(left.row(), right.row(), left.column()) < 0;
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace metaldesk
