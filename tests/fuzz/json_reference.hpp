// nlohmann::json's SAX parser as an independent reference for the strict JSON scanner: what
// it accepts, how deep the document nests, and the top-level members of an object. SAX, not a
// DOM, so a deeply nested input costs no recursion.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "infergate/json/scanner.hpp"

namespace infergate::fuzz {

struct ReferenceMember {
    std::string key;                       // decoded
    json::Kind kind = json::Kind::null;
    std::string text;                      // a string value, decoded
    bool flag = false;                     // a boolean value
    std::optional<std::int64_t> integer;   // an integer value within int64
};

struct Reference {
    bool accepted = false;
    // nlohmann refuses numbers beyond double's range (1e400); RFC 8259 and the scanner do not,
    // and the body goes upstream as sent. The reference then knows nothing past that number.
    bool number_overflow = false;
    bool top_object = false;
    std::size_t max_depth = 0;             // containers nested, as scanner.hpp counts them
    std::vector<ReferenceMember> members;  // of a top-level object, duplicates included
    int include_usage_keys = 0;            // in a top-level "stream_options" object
    std::optional<ReferenceMember> include_usage;  // its last value
};

class ReferenceSax final : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit ReferenceSax(Reference& out) : out_(out) {}

    bool null() override { return value(json::Kind::null); }
    bool boolean(bool v) override {
        if (ReferenceMember* m = value_slot(json::Kind::boolean)) m->flag = v;
        return true;
    }
    bool number_integer(number_integer_t v) override {
        if (ReferenceMember* m = value_slot(json::Kind::number)) m->integer = v;
        return true;
    }
    bool number_unsigned(number_unsigned_t v) override {
        ReferenceMember* m = value_slot(json::Kind::number);
        if (m && v <= static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
            m->integer = static_cast<std::int64_t>(v);
        }
        return true;
    }
    bool number_float(number_float_t, const string_t&) override { return value(json::Kind::number); }
    bool string(string_t& v) override {
        if (ReferenceMember* m = value_slot(json::Kind::string)) m->text = v;
        return true;
    }
    bool binary(binary_t&) override { return false; }  // not JSON text
    bool start_object(std::size_t) override { return open(json::Kind::object); }
    bool start_array(std::size_t) override { return open(json::Kind::array); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (objects_.size() == 1) {
            out_.members.push_back({k});
        } else if (objects_.size() == 2 && objects_[0] && objects_[1] &&
                   out_.members.back().key == "stream_options") {
            in_include_usage_ = k == "include_usage";
            if (in_include_usage_) ++out_.include_usage_keys;
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        out_.number_overflow = e.id == 406;
        return false;
    }

private:
    // Where a value at the current position is recorded (a top-level member's value, or
    // stream_options.include_usage), or nullptr.
    ReferenceMember* value_slot(json::Kind kind) {
        if (objects_.size() == 1 && objects_[0]) {
            out_.members.back().kind = kind;
            return &out_.members.back();
        }
        if (objects_.size() == 2 && objects_[1] && in_include_usage_) {
            out_.include_usage = ReferenceMember{"include_usage", kind};
            return &*out_.include_usage;
        }
        return nullptr;
    }
    bool value(json::Kind kind) {
        value_slot(kind);
        return true;
    }
    bool open(json::Kind kind) {
        if (objects_.empty()) out_.top_object = kind == json::Kind::object;
        value_slot(kind);
        objects_.push_back(kind == json::Kind::object);
        out_.max_depth = std::max(out_.max_depth, objects_.size());
        return true;
    }
    bool close() {
        objects_.pop_back();
        return true;
    }

    Reference& out_;
    std::vector<bool> objects_;  // open containers: true for an object
    bool in_include_usage_ = false;
};

inline Reference reference_parse(std::string_view text) {
    Reference out;
    ReferenceSax sax(out);
    out.accepted = nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
    return out;
}

}  // namespace infergate::fuzz
