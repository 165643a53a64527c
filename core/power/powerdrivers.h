#pragma once

#include "core/power/powerdriver.h"

#include <memory>
#include <vector>

namespace metaldesk {

// The power drivers MetalDesk knows, by MAAS's power_type. Built once, read from any thread.
class PowerDrivers {
public:
    static std::shared_ptr<const PowerDrivers> builtIn();
    void add(std::unique_ptr<PowerDriver> driver) { drivers_.push_back(std::move(driver)); }
    const PowerDriver *find(const QString &type) const;
    QList<const PowerDriver *> all() const;

private:
    std::vector<std::unique_ptr<PowerDriver>> drivers_;
};

// Empty when a machine may have this power driver and these settings (a driver MetalDesk has, or
// none; every required setting, no unknown one); otherwise why not. The Add machine dialog, the
// Power tab and PowerService::saveSettings all ask this.
QString powerSettingsProblem(const PowerDrivers &drivers, const QString &powerType, const QJsonObject &parameters);

} // namespace metaldesk
