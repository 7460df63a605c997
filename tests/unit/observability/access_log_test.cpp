// The access log's lines as an SRE reads them: JSON lines that parse, with every field and
// durations at microsecond precision; text lines whose values cannot forge fields or lines.
#include "infergate/observability/access_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace infergate::observability {
namespace {

class AccessLogLines : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("infergate-access-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log");
        std::filesystem::remove(path_);
    }
    void TearDown() override { std::filesystem::remove(path_); }

    // The lines `record` becomes in `format`.
    std::string written(config::LogFormat format, const AccessRecord& record) {
        config::LogSettings settings;
        settings.access_format = format;
        settings.access_path = path_.string();
        auto sink = std::make_shared<const AccessLog>(settings);
        {
            AccessLogBuffer buffer(sink);
            buffer.write(record);
        }  // flushed
        std::ifstream in(path_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    static AccessRecord sample() {
        AccessRecord r;
        r.request_id = "req-1";
        r.peer = "127.0.0.1:5000";
        r.method = "POST";
        r.path = "/v1/chat/completions";
        r.model = "demo";
        r.backend = "mock";
        r.upstream_model = "mock-model";
        r.key_id = "app-1";
        r.tenant = "team-a";
        r.status = 200;
        r.stream = true;
        r.duration_ms = 12.3456;
        r.upstream_first_byte_ms = 0.0005;
        r.time_to_first_token_ms = 1500;
        r.prompt_tokens = 7;
        r.completion_tokens = 8;
        r.bytes_in = 90;
        r.bytes_out = 1234;
        return r;
    }

    std::filesystem::path path_;
};

TEST_F(AccessLogLines, AJsonLineCarriesEveryField) {
    const std::string line = written(config::LogFormat::json, sample());
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json["request_id"], "req-1");
    EXPECT_EQ(json["model"], "demo");
    EXPECT_EQ(json["key_id"], "app-1");
    EXPECT_EQ(json["tenant"], "team-a");
    EXPECT_EQ(json["status"], 200);
    EXPECT_EQ(json["stream"], true);
    EXPECT_EQ(json["prompt_tokens"], 7);
    EXPECT_EQ(json["completion_tokens"], 8);
    EXPECT_EQ(json["bytes_in"], 90);
    EXPECT_EQ(json["bytes_out"], 1234);
    EXPECT_NE(line.find("\"duration_ms\":12.346,"), std::string::npos) << line;
    EXPECT_NE(line.find("\"upstream_first_byte_ms\":0.001,"), std::string::npos) << line;
    EXPECT_NE(line.find("\"ttft_ms\":1500.000,"), std::string::npos) << line;
}

TEST_F(AccessLogLines, UnknownFiguresAreMinusOne) {
    AccessRecord r = sample();
    r.stream = false;
    r.upstream_first_byte_ms = -1;
    r.time_to_first_token_ms = -1;
    r.prompt_tokens = -1;
    const auto json = nlohmann::json::parse(written(config::LogFormat::json, r));
    EXPECT_EQ(json["stream"], false);
    EXPECT_DOUBLE_EQ(json["upstream_first_byte_ms"].get<double>(), -1.0);
    EXPECT_DOUBLE_EQ(json["ttft_ms"].get<double>(), -1.0);
    EXPECT_EQ(json["prompt_tokens"], -1);
}

TEST_F(AccessLogLines, ClientTextIsEscapedInJson) {
    AccessRecord r = sample();
    r.model = "a\"b\\c\nd\x01";
    const std::string line = written(config::LogFormat::json, r);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_EQ(nlohmann::json::parse(line)["model"], "a\"b\\c\nd\x01");
}

// Plain runs are skipped eight bytes at a time: a byte that needs escaping is found at any
// offset of a word, and bytes that need none (UTF-8, '!', '#', '~') pass through as they are.
TEST_F(AccessLogLines, EveryByteThatNeedsEscapingIsFoundAtAnyOffset) {
    const std::string plain = "\xc3\xa9" "abcdefghijklmnopqrstuvwxyz-0123456789!#~";
    for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f'}) {
        for (std::size_t at = 0; at <= plain.size(); ++at) {
            if (at == 1) continue;  // not inside the "é"
            std::filesystem::remove(path_);  // the log appends: one line per file
            AccessRecord r = sample();
            std::string model = plain;
            model.insert(at, 1, special);
            r.model = model;
            const std::string line = written(config::LogFormat::json, r);
            ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
            EXPECT_EQ(nlohmann::json::parse(line)["model"], model) << "byte " << int(special) << " at " << at;
        }
    }
}

// A line is written into room reserved from its fields' sizes: fields that escape to six
// times their size, many lines past the flush size and absurd figures all stay whole.
TEST_F(AccessLogLines, LinesOfWorstCaseFieldsStayWholeAcrossFlushes) {
    config::LogSettings settings;
    settings.access_format = config::LogFormat::json;
    settings.access_path = path_.string();
    auto sink = std::make_shared<const AccessLog>(settings);
    const std::string controls(5000, '\x01');  // \u0001 each: six bytes a byte
    const std::string quotes(3000, '"');
    {
        AccessLogBuffer buffer(sink);
        for (int i = 0; i < 40; ++i) {
            AccessRecord r = sample();
            r.request_id = i % 2 == 0 ? std::string_view(controls) : std::string_view(quotes);
            r.attempts = controls;
            r.duration_ms = i == 7 ? std::numeric_limits<double>::quiet_NaN() : 1e300;
            r.prompt_tokens = std::numeric_limits<std::int64_t>::min();
            r.bytes_out = std::numeric_limits<std::uint64_t>::max();
            buffer.write(r);
        }
    }
    std::ifstream in(path_);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
        const auto json = nlohmann::json::parse(line);
        EXPECT_EQ(json["request_id"], lines % 2 == 0 ? controls : quotes);
        EXPECT_EQ(json["attempts"], controls);
        EXPECT_DOUBLE_EQ(json["duration_ms"].get<double>(), -1.0);  // no clock gives these
        EXPECT_EQ(json["prompt_tokens"], std::numeric_limits<std::int64_t>::min());
        EXPECT_EQ(json["model"], "demo");
        ++lines;
    }
    EXPECT_EQ(lines, 40);
}

TEST_F(AccessLogLines, ATextLineHasOneFieldPerValueAndCannotBeForged) {
    AccessRecord r = sample();
    r.model = "evil status=500\nfake line";
    r.code = "";
    const std::string line = written(config::LogFormat::text, r);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_NE(line.find(" model=evil_status=500_fake_line "), std::string::npos) << line;
    EXPECT_NE(line.find("status=200 code=- "), std::string::npos) << line;
    EXPECT_NE(line.find(" key=app-1 tenant=team-a "), std::string::npos) << line;
    EXPECT_NE(line.find(" stream=true duration_ms=12.346 ttfb_ms=0.001 ttft_ms=1500.000 prompt_tokens=7 "
                        "completion_tokens=8 bytes_in=90 bytes_out=1234\n"),
              std::string::npos)
        << line;
}

// A reload's new sink (logrotate moved the file away): lines pending in the buffer go to the
// old file, later ones to the new file at the same path.
TEST_F(AccessLogLines, SwitchingSinksFlushesPendingLinesToTheOldOne) {
    config::LogSettings settings;
    settings.access_path = path_.string();
    AccessLogBuffer buffer(std::make_shared<const AccessLog>(settings));
    buffer.write(sample());
    const std::filesystem::path moved = path_.string() + ".1";
    std::filesystem::rename(path_, moved);
    buffer.switch_to(std::make_shared<const AccessLog>(settings));
    buffer.write(sample());
    buffer.flush();
    auto lines_in = [](const std::filesystem::path& file) {
        std::ifstream in(file);
        std::string line;
        int count = 0;
        while (std::getline(in, line)) ++count;
        return count;
    };
    EXPECT_EQ(lines_in(moved), 1);
    EXPECT_EQ(lines_in(path_), 1);
    std::filesystem::remove(moved);
}

}  // namespace
}  // namespace infergate::observability
