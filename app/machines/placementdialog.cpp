#include "app/machines/placementdialog.h"

#include "app/shell/textstyle.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace metaldesk {

namespace {

QStringList names(const Expected<QList<Zone>> &list)
{
    QStringList out;
    if (list)
        for (const Zone &z : *list)
            out << z.name;
    return out;
}

QComboBox *nameBox(QWidget *parent, const QString &objectName, const QStringList &known, const QString &current)
{
    auto *box = new QComboBox(parent);
    box->setObjectName(objectName);
    box->setEditable(true); // a new name creates the zone or pool
    box->setInsertPolicy(QComboBox::NoInsert);
    box->addItems(known);
    box->setCurrentText(current);
    return box;
}

} // namespace

PlacementDialog::PlacementDialog(LabelStore &labels, const Actor &admin, const Machine &machine, QWidget *parent)
    : QDialog(parent),
      labels_(labels),
      admin_(admin),
      systemId_(machine.systemId),
      knownZones_(names(labels.zones())),
      knownPools_(names(labels.pools()))
{
    setObjectName(QStringLiteral("placementDialog"));
    setWindowTitle(tr("Edit placement of %1").arg(machine.hostname));
    zone_ = nameBox(this, QStringLiteral("placementZone"), knownZones_, machine.zone);
    zone_->setToolTip(tr("Where the machine is, as API clients ask for it (juju's zones)"));
    pool_ = nameBox(this, QStringLiteral("placementPool"), knownPools_, machine.pool);
    pool_->setToolTip(tr("A set of machines kept for one purpose or team"));
    tags_ = new QLineEdit(machine.tags.join(QLatin1String(", ")), this);
    tags_->setObjectName(QStringLiteral("placementTags"));
    tags_->setPlaceholderText(tr("gpu, ssd, rack-2, ..."));
    tags_->setToolTip(tr("Labels API clients allocate by (juju's tags constraint)"));
    problem_ = new QLabel(this);
    problem_->setObjectName(QStringLiteral("placementProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Zone:"), zone_);
    form->addRow(tr("Resource pool:"), pool_);
    form->addRow(tr("Tags:"), tags_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(problem_);
    layout->addStretch(1);
    layout->addWidget(buttons_);
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);

    connect(buttons_, &QDialogButtonBox::accepted, this, &PlacementDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &PlacementDialog::reject);
    connect(zone_, &QComboBox::currentTextChanged, this, &PlacementDialog::validate);
    connect(pool_, &QComboBox::currentTextChanged, this, &PlacementDialog::validate);
    connect(tags_, &QLineEdit::textChanged, this, &PlacementDialog::validate);
    validate();
}

QStringList PlacementDialog::tags() const
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    QStringList list = tags_->text().split(separators, Qt::SkipEmptyParts);
    list.removeDuplicates();
    return list;
}

void PlacementDialog::validate()
{
    QString problem;
    for (const QString &name : QStringList{zone_->currentText().trimmed(), pool_->currentText().trimmed()} + tags())
        if (problem.isEmpty())
            problem = LabelStore::nameProblem(name);
    // Nothing wrong: say what Save creates, so that a typo does not quietly become a new zone.
    QStringList created;
    if (problem.isEmpty() && !knownZones_.contains(zone_->currentText().trimmed()))
        created << tr("the zone '%1'").arg(zone_->currentText().trimmed());
    if (problem.isEmpty() && !knownPools_.contains(pool_->currentText().trimmed()))
        created << tr("the resource pool '%1'").arg(pool_->currentText().trimmed());
    setTextColor(problem_, problem.isEmpty() ? palette().color(QPalette::WindowText) : kErrorColor);
    problem_->setText(problem.isEmpty() && !created.isEmpty() ? tr("Save creates %1.").arg(created.join(tr(" and ")))
                                                              : asSentence(problem));
    problem_->setVisible(!problem_->text().isEmpty());
    buttons_->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty());
}

void PlacementDialog::accept()
{
    const QString zone = zone_->currentText().trimmed();
    const QString pool = pool_->currentText().trimmed();
    // New names first: a zone or pool is a thing of its own, kept even if the machine's change fails.
    Expected<void> done;
    if (!knownZones_.contains(zone))
        done = labels_.addZone(admin_, zone);
    if (done && !knownPools_.contains(pool))
        done = labels_.addPool(admin_, pool);
    if (done)
        done = labels_.place(admin_, systemId_, {zone, pool, tags()});
    if (!done) {
        problem_->setText(asSentence(done.errorMessage()));
        problem_->show();
        return;
    }
    QDialog::accept();
}

} // namespace metaldesk
