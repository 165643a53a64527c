#pragma once

#include <QFrame>

class QLabel;
class QListView;
class QPushButton;

namespace metaldesk {

class NotificationModel;

// The notification area: the failures not yet dismissed, newest first, above the pages. It opens
// by itself when a failure arrives; double-clicking (or Enter on) a machine's line opens that
// machine.
class NotificationPanel : public QFrame {
    Q_OBJECT
public:
    explicit NotificationPanel(NotificationModel *model, QWidget *parent = nullptr);

signals:
    void openMachine(const QString &systemId);

private:
    NotificationModel *model_;
    QLabel *title_;
    QListView *list_;
    QPushButton *dismiss_;
};

} // namespace metaldesk
