#pragma once

#include <QIcon>
#include <QImage>

namespace metaldesk {

// MetalDesk's icon: three servers in a rack, each with its power light (the same shapes as
// resources/desktop/org.metaldesk.MetalDesk.svg), drawn for any size, so that small sizes stay crisp.
QImage appIconImage(int size);
// The window's icon, in the sizes desktops ask for.
QIcon appIcon();
// The Users page's icon where the desktop's theme has none ("system-users"): two people, not the
// folder the style would offer.
QIcon usersIcon();

} // namespace metaldesk
