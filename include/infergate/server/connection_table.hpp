// One worker's client connections, for the connection limit.
//
// A connection is *waiting* while no request of it is being handled: before its first request
// is complete (head and body), and idle between keep-alive requests. It is *busy* while a
// request is handled. At the limit a new connection takes the place of the connection that
// has waited longest, which is closed: clients that open connections and send nothing, or
// send a head or a body slowly, or keep idle keep-alive connections, cannot lock new clients
// out. When every connection is busy, up to `reserve` more are admitted for the gateway's own
// endpoints only, so health checks and metric scrapes still get through; past that, a new
// connection is refused (closed at once).
//
// Worker thread only. No allocation per state change (an intrusive list).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include <boost/intrusive/list.hpp>

namespace infergate::server {

class ConnectionTable {
    using Hook = boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

public:
    enum class Kind { normal, reserve };

    class Slot : public Hook {
    public:
        ~Slot();  // leaves the table
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

        void waiting();  // no request in progress: may be closed to make room (longest first)
        void busy();     // handling a request: never closed to make room
        Kind kind() const noexcept { return kind_; }

    private:
        friend class ConnectionTable;
        Slot(ConnectionTable& table, Kind kind, std::function<void()> evict);

        ConnectionTable& table_;
        Kind kind_;
        std::function<void()> evict_;  // closes the connection
        bool counted_ = true;          // false once evicted: the place is someone else's
    };

    struct Admission {
        std::unique_ptr<Slot> slot;  // null: refused
        bool evicted = false;        // a waiting connection was closed to make room
    };

    // A new connection, waiting from the start. `limit` normal connections, `reserve` more when
    // all of them are busy. `evict` closes the connection (called at most once, by a later
    // admit(), while the slot lives); it must not destroy the slot.
    Admission admit(std::size_t limit, std::size_t reserve, std::function<void()> evict);

    std::size_t open() const noexcept { return open_; }  // evicted connections not counted

private:
    using List = boost::intrusive::list<Slot, boost::intrusive::constant_time_size<false>>;
    List waiting_;  // the longest waiting first
    std::size_t open_ = 0;
};

}  // namespace infergate::server
