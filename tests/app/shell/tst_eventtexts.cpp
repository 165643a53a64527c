// Events in Korean all the way down: every event text has a Korean translation with no English
// sentence left in it, and events recorded while the window spoke English (by the real engine and
// its timeouts) are shown in Korean once the window speaks Korean, their stored English kept for the
// API. An event from before texts were kept is shown as recorded, and marked so.
#include "app/machines/machineeventmodel.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/machines/machinestore.h"
#include "core/runtime/coreservices.h"
#include "core/storage/eventstore.h"
#include "core/users/userstore.h"

#include <QFile>
#include <QFont>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QXmlStreamReader>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// Names, units and terms that stay as they are in Korean text (as MAAS's own Korean does).
const QStringList kKeptWords{
    // The boot environment's: kernel parameters and their values, tools, formats and paths (longer
    // first: each is taken out before the shorter ones inside it).
    u"consumer_key:token_key:token_secret"_s,
    u"metaldesk.token"_s,
    u"metaldesk.purpose"_s,
    u"metaldesk.metadata"_s,
    u"metaldesk.erase"_s,
    u"enlist, commission, deploy, release, rescue, poweroff"_s,
    u"none, quick, secure"_s,
    u"gzip, xz, zstd, cpio"_s,
    u"TRAILER!!!"_s,
    u"lib/modules/<version>"_s,
    u"/usr/bin/env"_s,
    u"/etc"_s,
    u"/boot"_s,
    u"/dev/"_s,
    u"boot-initrd"_s,
    u"boot-kernel"_s,
    u"iPXE"_s,
    u"squashfs"_s,
    u"GRUB"_s,
    u"BIOS"_s,
    u"UEFI"_s,
    u"EFI"_s,
    u"GiB"_s,
    u"MetalDesk"_s,
    u"cloud-init"_s,
    u"enlist_max_new_machines"_s,
    u"metaldesk set-config"_s,
    u"SHA-256"_s,
    u"Wake-on-LAN"_s,
    u"initrd"_s,
    u"MAC"_s,
    u"DHCP"_s,
    u"VM"_s,
    u"CPU"_s,
    u"MiB"_s,
    u"NIC"_s,
};

// The English words left in a rendering once the kept words and the arguments (Xn) are taken out.
QStringList englishIn(QString text)
{
    for (const QString &kept : kKeptWords)
        text.remove(kept);
    static const QRegularExpression argument(u"\\bX\\d\\b"_s), word(u"[A-Za-z]{2,}"_s);
    text.remove(argument);
    QStringList words;
    for (auto it = word.globalMatch(text); it.hasNext();)
        words << it.next().captured();
    return words;
}

struct Source {
    QByteArray text;
    bool numerus = false;
};

// Every event text, from the catalogue the program carries (lupdate's view of the sources).
QList<Source> eventSources()
{
    QList<Source> sources;
    QFile file(u":/metaldesk/catalogue/metaldesk_ko.ts"_s);
    if (!file.open(QIODevice::ReadOnly))
        return sources;
    QXmlStreamReader xml(&file);
    QString context;
    bool numerus = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == "name"_L1)
            context = xml.readElementText();
        else if (xml.name() == "message"_L1)
            numerus = xml.attributes().value("numerus"_L1) == "yes"_L1;
        else if (xml.name() == "source"_L1 && context == QLatin1String(Text::kEventContext))
            sources.append({xml.readElementText().toUtf8(), numerus});
    }
    return sources;
}

} // namespace

class TestEventTexts : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_eventtexts"_s, settingsDir_.path(), true)); }

    void everyEventTextSpeaksKorean()
    {
        const QList<Source> sources = eventSources();
        QVERIFY2(sources.size() > 50, qPrintable(u"%1 event texts in the catalogue"_s.arg(sources.size())));
        QTranslator korean, koreanQt;
        QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
        QCoreApplication::installTranslator(&korean);
        auto restore = qScopeGuard([&] { QCoreApplication::removeTranslator(&korean); });
        static const QRegularExpression marker(u"%(\\d)"_s);
        QStringList failures;
        for (const Source &source : sources) {
            Text text = Text::event(source.text.constData(), source.numerus ? 3 : -1);
            int highest = 0;
            for (auto it = marker.globalMatch(QString::fromUtf8(source.text)); it.hasNext();)
                highest = qMax(highest, it.next().captured(1).toInt());
            for (int i = 1; i <= highest; ++i)
                text = text.arg(u"X%1"_s.arg(i));
            const QString shown = text.translated();
            // Punctuation only ("%1; %2", "cloud-init %1 %2: %3") reads the same in both languages.
            const bool same = shown == text.english() && !englishIn(text.english()).isEmpty();
            if (same || !englishIn(shown).isEmpty())
                failures << u"%1 → %2"_s.arg(text.english(), shown);
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

    void showsEventsRecordedInEnglishInKorean()
    {
        std::unique_ptr<QTemporaryDir> dir;
        std::unique_ptr<CoreServices> core;
        const QString fresh = guitest::startFresh(dir, core);
        QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
        auto admin = UserStore(core->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        // Recorded with no translator: as an English window, the API or headless would.
        auto m = core->engine->createMachine(NewMachine{}, Actor{admin->id, admin->username, true});
        QVERIFY2(m, qPrintable(m.errorMessage()));
        QVERIFY(core->engine->performAction(m->systemId, NodeAction::Commission, Actor{admin->id, u"admin"_s, true}));
        auto expired = core->engine->expireOverdue(QDateTime::currentMSecsSinceEpoch() + 24 * 3600 * 1000LL);
        QVERIFY(expired && *expired == 1);
        Event old;
        old.systemId = m->systemId;
        old.hostname = m->hostname;
        old.type = u"status"_s;
        old.description = u"Something an older version wrote"_s;
        QVERIFY(core->events->record(old));

        QTranslator korean, koreanQt;
        QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
        QCoreApplication::installTranslator(&korean);
        QCoreApplication::installTranslator(&koreanQt);
        auto restore = qScopeGuard([&] {
            QCoreApplication::removeTranslator(&korean);
            QCoreApplication::removeTranslator(&koreanQt);
        });
        MachineEventModel model(*core->events, *core->feed);
        model.setMachine(m->systemId);
        QCOMPARE(model.rowCount(), 4); // created, Commission by admin, timed out (no power driver to switch off), old
        QStringList shown, stored, by;
        for (int row = 0; row < model.rowCount(); ++row) {
            by << model.index(row, MachineEventModel::UserColumn).data().toString();
            const QModelIndex description = model.index(row, MachineEventModel::DescriptionColumn);
            const QString text = description.data().toString();
            if (text == old.description) { // as recorded, and marked so
                QVERIFY(description.data(Qt::FontRole).value<QFont>().italic());
                QVERIFY(description.data(Qt::ToolTipRole).toString().contains(u"이전 버전"_s));
                continue;
            }
            QVERIFY(!description.data(Qt::FontRole).isValid());
            shown << text;
            if (!englishIn(QString(text).remove(u"admin"_s)).isEmpty())
                QFAIL(qPrintable(u"English left in \"%1\""_s.arg(text)));
        }
        QVERIFY2(shown.contains(u"커미션 (admin)"_s), qPrintable(shown.join(u'\n')));
        QVERIFY2(shown.join(u' ').contains(u"시간 초과"_s), qPrintable(shown.join(u'\n')));
        // A part of MetalDesk that acted is named in words, not by its internal name ("timeout").
        QVERIFY2(by.contains(u"시간 제한 감시"_s) && by.contains(u"admin"_s), qPrintable(by.join(u'\n')));
        // The API's and the logs' words stay English.
        auto events = core->events->forMachine(m->systemId);
        QVERIFY(events);
        for (const Event &e : std::as_const(*events))
            stored << e.description;
        QVERIFY2(stored.contains(u"Commission by admin"_s), qPrintable(stored.join(u'\n')));
        auto failed = core->machines->get(m->systemId);
        QVERIFY(failed);
        QVERIFY2(failed->statusMessage.startsWith(u"Timed out: Commissioning took longer than"_s),
                 qPrintable(failed->statusMessage));
        QVERIFY2(failed->statusMessageInWords().startsWith(u"시간 초과: 커미션 중 상태가"_s),
                 qPrintable(failed->statusMessageInWords()));
    }

private:
    QTemporaryDir settingsDir_;
};

QTEST_MAIN(TestEventTexts)
#include "tst_eventtexts.moc"
