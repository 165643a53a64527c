#include "app/machines/actiondialog.h"

#include "app/machines/takeactionmenu.h"
#include "app/shell/textstyle.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace metaldesk {

namespace {
constexpr int kNamesShown = 8;                   // more would push the options off the screen
constexpr int kImageNameRole = Qt::UserRole + 1; // a catalogue image's name (its location is the data)

QString namesText(const QStringList &names)
{
    if (names.size() <= kNamesShown)
        return names.join(QStringLiteral(", "));
    return ActionDialog::tr("%1 and %2 more")
        .arg(names.first(kNamesShown).join(QStringLiteral(", ")))
        .arg(names.size() - kNamesShown);
}

QLabel *wrapped(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}
} // namespace

ActionDialog::ActionDialog(NodeAction action, const QList<Machine> &machines, const Actor &actor,
                           const Defaults &defaults, QWidget *parent)
    : QDialog(parent),
      action_(action),
      problem_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("actionDialog"));
    const QString name = TakeActionMenu::actionName(action);
    setWindowTitle(name);
    QStringList names;
    QStringList refused;
    qsizetype refusedCount = 0;
    for (const Machine &m : machines) {
        if (LifecycleEngine::offers(action, m, actor)) {
            willAct_ << m;
            names << m.hostname;
        } else {
            ++refusedCount;
            if (refused.size() < kNamesShown) // the words only for those shown
                refused << tr("%1: %2").arg(m.hostname, LifecycleEngine::refusal(action, m, actor));
        }
    }

    auto *layout = new QVBoxLayout(this);
    QLabel *who =
        wrapped(willAct_.size() == 1 ? tr("%1 %2.").arg(name, names.first())
                                     : tr("%1 %2 machines: %3.").arg(name).arg(willAct_.size()).arg(namesText(names)),
                this);
    who->setObjectName(QStringLiteral("actionMachines"));
    layout->addWidget(who);
    if (refusedCount > 0) {
        if (refusedCount > refused.size())
            refused << tr("and %1 more").arg(refusedCount - refused.size());
        QLabel *skipped = wrapped(tr("Not taken on %1 of the selected machines:").arg(refusedCount) +
                                      QLatin1Char('\n') + refused.join(QLatin1Char('\n')),
                                  this);
        skipped->setObjectName(QStringLiteral("actionRefused"));
        layout->addWidget(skipped);
    }

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    switch (action) {
    case NodeAction::Commission:
        keepPoweredOn_ = new QCheckBox(tr("Keep the machine powered on afterwards, with a shell on its console"), this);
        keepPoweredOn_->setObjectName(QStringLiteral("keepPoweredOn"));
        layout->addWidget(keepPoweredOn_);
        break;
    case NodeAction::Deploy: {
        // The catalogue's images that every machine can run (an architecture not known yet fits any).
        image_ = new QComboBox(this);
        image_->setObjectName(QStringLiteral("deployImage"));
        for (const BootImage &i : defaults.images) {
            const bool fits = i.installable() && std::all_of(willAct_.cbegin(), willAct_.cend(), [&](const Machine &m) {
                                  return i.runsOn(m.architecture);
                              });
            if (!fits)
                continue;
            const QString title = i.title.isEmpty() ? i.name : i.title;
            // The previous version an import kept: there to go back to, never the default.
            image_->addItem(i.isPrevious() ? tr("%1 — %2, previous version %3").arg(title, i.architecture, i.version)
                                           : tr("%1 — %2").arg(title, i.architecture),
                            i.location);
            image_->setItemData(image_->count() - 1, i.name, kImageNameRole);
            if (i.name == defaults.image && !i.isPrevious())
                image_->setCurrentIndex(image_->count() - 1);
        }
        const bool none = image_->count() == 0;
        image_->addItem(tr("Another image: a URL or a path on the boot server"), QString());
        imageUrl_ = new QLineEdit(this);
        imageUrl_->setObjectName(QStringLiteral("deployImageUrl"));
        imageUrl_->setPlaceholderText(tr("http://… or images/debian-12.img.xz"));
        imageNote_ = wrapped(none ? tr("The catalogue has no image for these machines: add one with 'metaldesk "
                                       "images add', or give a URL.")
                                  : QString(),
                             this);
        imageNote_->setObjectName(QStringLiteral("deployImageNote"));
        imageNote_->setVisible(none);
        userData_ = new QPlainTextEdit(this);
        userData_->setObjectName(QStringLiteral("deployUserData"));
        userData_->setPlaceholderText(tr("#cloud-config\npackages: [htop]"));
        userData_->setTabChangesFocus(true);
        userData_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont)); // YAML: indentation matters
        form->addRow(tr("Image:"), image_);
        form->addRow(QString(), imageUrl_);
        form->addRow(QString(), imageNote_);
        form->addRow(tr("User-data:"), userData_);
        layout->addLayout(form);
        auto showUrl = [this] { imageUrl_->setVisible(image_->currentData().toString().isEmpty()); };
        showUrl();
        connect(image_, &QComboBox::currentIndexChanged, this, showUrl);
        connect(image_, &QComboBox::currentIndexChanged, this, &ActionDialog::revalidate);
        connect(imageUrl_, &QLineEdit::textChanged, this, &ActionDialog::revalidate);
        connect(userData_, &QPlainTextEdit::textChanged, this, &ActionDialog::revalidate);
        break;
    }
    case NodeAction::Release:
        erase_ = new QComboBox(this);
        erase_->setObjectName(QStringLiteral("releaseErase"));
        erase_->addItem(tr("Do not erase the disks"), QString());
        erase_->addItem(tr("Quick erase: signatures, the start and the end of each disk"), QStringLiteral("quick"));
        erase_->addItem(tr("Secure erase: discard or zero every disk whole"), QStringLiteral("secure"));
        erase_->setCurrentIndex(qMax(0, erase_->findData(defaults.eraseMode)));
        form->addRow(tr("Disks:"), erase_);
        layout->addLayout(form);
        break;
    case NodeAction::Delete:
        layout->addWidget(wrapped(tr("Deleting cannot be undone: the machines, their settings and their results "
                                     "are removed."),
                                  this));
        break;
    default: break;
    }
    if (!form->parent())
        delete form; // an action without fields: the form was never placed (LeakSanitizer found it)

    problem_->setObjectName(QStringLiteral("actionProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    problem_->hide();
    layout->addWidget(problem_);
    layout->addStretch(1);
    layout->addWidget(buttons_);

    QPushButton *ok = buttons_->button(QDialogButtonBox::Ok);
    ok->setObjectName(QStringLiteral("actionConfirm"));
    ok->setText(willAct_.size() == 1 ? name : tr("%1 %2 machines").arg(name).arg(willAct_.size()));
    ok->setEnabled(!willAct_.isEmpty());
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // The first choice has the keyboard: typing and the arrow keys work at once.
    if (QWidget *first = image_   ? static_cast<QWidget *>(image_)
                         : erase_ ? static_cast<QWidget *>(erase_)
                                  : keepPoweredOn_)
        first->setFocus(Qt::OtherFocusReason);
}

ActionRequest ActionDialog::request() const
{
    ActionRequest r;
    r.action = action_;
    if (keepPoweredOn_)
        r.keepPoweredOn = keepPoweredOn_->isChecked();
    if (erase_)
        r.eraseMode = erase_->currentData().toString();
    if (image_) {
        DeploySettings deploy;
        const QString chosen = image_->currentData().toString();
        deploy.imageUrl = chosen.isEmpty() ? imageUrl_->text().trimmed() : chosen;
        deploy.image = image_->currentData(kImageNameRole).toString();
        deploy.userData = userData_->toPlainText();
        r.deploy = deploy;
    }
    return r;
}

void ActionDialog::revalidate()
{
    QString problem = ActionRunner::validate(request());
    if (problem.isEmpty() && image_ && request().deploy->imageUrl.isEmpty())
        problem = tr("choose an image from the catalogue, or give the URL or path of another");
    problem_->setText(asSentence(problem));
    problem_->setVisible(!problem.isEmpty());
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && !willAct_.isEmpty());
}

} // namespace metaldesk
