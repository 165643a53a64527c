#pragma once

#include <QString>
#include <utility>
#include <variant>

namespace metaldesk {

// An error a user can act on: what went wrong and, where we know it, how to fix it.
struct Error {
    QString message;
    bool retryable = false; // a later try may succeed (a timeout, a peer not answering yet)
};

// A value or the Error that prevented it (C++23's std::expected is not in this compiler's C++20 mode).
template <typename T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::move(value)) {}
    Expected(Error error) : v_(std::move(error)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() & { return std::get<0>(v_); }
    const T &value() const & { return std::get<0>(v_); }
    T &&value() && { return std::get<0>(std::move(v_)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const Error &error() const { return std::get<1>(v_); }
    QString errorMessage() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : error_(std::move(error)), ok_(false) {}
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error &error() const { return error_; }
    QString errorMessage() const { return error_.message; }

private:
    Error error_;
    bool ok_ = true;
};

} // namespace metaldesk
