#include "app/shell/notificationpanel.h"

#include "app/shell/notificationmodel.h"
#include "app/shell/textstyle.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace metaldesk {

NotificationPanel::NotificationPanel(NotificationModel *model, QWidget *parent)
    : QFrame(parent),
      model_(model),
      title_(new QLabel(this)),
      list_(new QListView(this)),
      dismiss_(new QPushButton(tr("&Dismiss all"), this))
{
    setObjectName(QStringLiteral("notificationPanel"));
    setFrameShape(QFrame::StyledPanel);
    title_->setObjectName(QStringLiteral("notificationTitle"));
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    setTextColor(title_, kErrorColor);
    title_->setText(tr("Problems"));
    list_->setObjectName(QStringLiteral("notificationList"));
    list_->setModel(model_);
    list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    list_->setWordWrap(true);
    list_->setResizeMode(QListView::Adjust);
    list_->setTextElideMode(Qt::ElideNone);
    list_->setContextMenuPolicy(Qt::CustomContextMenu);
    list_->setIconSize(QSize(16, 16));
    list_->viewport()->installEventFilter(this);
    dismiss_->setObjectName(QStringLiteral("notificationDismiss"));
    auto *dismissOne = new QAction(tr("Dismiss"), list_);
    dismissOne->setShortcut(QKeySequence::Delete);
    dismissOne->setShortcutContext(Qt::WidgetShortcut);
    list_->addAction(dismissOne);
    connect(dismissOne, &QAction::triggered, this, [this] {
        model_->dismiss(list_->currentIndex().row());
        if (model_->rowCount() == 0)
            hide();
    });
    connect(list_, &QWidget::customContextMenuRequested, this, [this, dismissOne](const QPoint &at) {
        const QModelIndex index = list_->indexAt(at);
        if (!index.isValid())
            return;
        list_->setCurrentIndex(index);
        QMenu menu(this);
        menu.addAction(index.data(NotificationModel::SystemIdRole).toString().isEmpty() ? tr("Open the Services page")
                                                                                        : tr("Open the machine"),
                       this, [this, index] { open(index); });
        menu.addAction(dismissOne);
        menu.exec(list_->viewport()->mapToGlobal(at));
    });
    connect(model_, &QAbstractItemModel::rowsInserted, this, &NotificationPanel::fitToLines, Qt::QueuedConnection);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, &NotificationPanel::fitToLines, Qt::QueuedConnection);

    auto *top = new QHBoxLayout;
    top->addWidget(title_, 1);
    top->addWidget(dismiss_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(list_);

    connect(dismiss_, &QPushButton::clicked, this, [this] {
        model_->dismissAll();
        hide();
    });
    connect(list_, &QAbstractItemView::activated, this, &NotificationPanel::open);
    fitToLines();
}

void NotificationPanel::open(const QModelIndex &index)
{
    const QString systemId = index.data(NotificationModel::SystemIdRole).toString();
    if (systemId.isEmpty())
        emit openServices();
    else
        emit openMachine(systemId);
}

void NotificationPanel::fitToLines()
{
    // As tall as the first four lines (wrapped as they are at this width): the pages stay in view.
    // Measured here: QListView's own hint for a row ignores the wrapping.
    const QFontMetrics metrics = list_->fontMetrics();
    const int margin = list_->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, list_) + 1;
    const int textWidth = qMax(100, list_->viewport()->width() - list_->iconSize().width() - 4 * margin);
    int height = 0;
    const int rows = qMin(model_->rowCount(), 4);
    for (int row = 0; row < rows; ++row) {
        const QString text = model_->index(row, 0).data().toString();
        const int lines = metrics.boundingRect(QRect(0, 0, textWidth, 1 << 20), Qt::TextWordWrap, text).height();
        height += qMax(lines, list_->iconSize().height()) + 2 * margin;
    }
    if (rows == 0)
        height = list_->fontMetrics().height();
    // A maximum, not a fixed height: measured before the list has its width, the lines wrap at a
    // narrow width and would force the window taller than the screen.
    const int frame = 2 * list_->frameWidth();
    list_->setMaximumHeight(height + frame);
    list_->setMinimumHeight(qMin(height, metrics.height() + 2 * margin) + frame);
}

bool NotificationPanel::eventFilter(QObject *watched, QEvent *event)
{
    // A narrower window wraps the lines onto more rows: measured once the list has its new width.
    if (watched == list_->viewport() && event->type() == QEvent::Resize)
        QMetaObject::invokeMethod(this, &NotificationPanel::fitToLines, Qt::QueuedConnection);
    return QFrame::eventFilter(watched, event);
}

} // namespace metaldesk
