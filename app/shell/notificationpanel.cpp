#include "app/shell/notificationpanel.h"

#include "app/shell/notificationmodel.h"
#include "app/shell/textstyle.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
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
    list_->setUniformItemSizes(true);
    list_->setWordWrap(false);
    // A few lines: the pages stay in view beneath.
    list_->setMaximumHeight(list_->fontMetrics().height() * 5 + 2 * list_->frameWidth() + 8);
    dismiss_->setObjectName(QStringLiteral("notificationDismiss"));

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
    connect(list_, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const QString systemId = index.data(NotificationModel::SystemIdRole).toString();
        if (!systemId.isEmpty())
            emit openMachine(systemId);
    });
}

} // namespace metaldesk
