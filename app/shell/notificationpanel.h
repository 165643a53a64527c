#pragma once

#include <QFrame>

class QLabel;
class QListView;
class QPushButton;

namespace metaldesk {

class NotificationModel;

// The notification area: the failures not yet dismissed, newest first, above the pages, as tall as
// its lines (up to four). It opens by itself when a failure arrives; double-clicking (or Enter on) a
// line opens its machine, or the Services page for a service's; Delete, or the line's menu,
// dismisses one.
class NotificationPanel : public QFrame {
    Q_OBJECT
public:
    explicit NotificationPanel(NotificationModel *model, QWidget *parent = nullptr);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    void openMachine(const QString &systemId);
    void openServices();

private:
    void open(const QModelIndex &index);
    void fitToLines();

    NotificationModel *model_;
    QLabel *title_;
    QListView *list_;
    QPushButton *dismiss_;
};

} // namespace metaldesk
