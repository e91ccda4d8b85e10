#include <boost/test/unit_test.hpp>

#include "store/WriteFrames.h"

#include <string>

using si::WriteFields;
using si::WriteFrameError;
using si::WriteFrameReader;
using si::writeFrame;

BOOST_AUTO_TEST_SUITE(WriteFramesTest)

BOOST_AUTO_TEST_CASE(a_frame_is_its_length_then_each_field_with_its_length)
{
    const std::string frame = writeFrame({"ab", "", std::string("\0x", 2)});
    const std::string expected = std::string("\0\0\0\x10", 4) + std::string("\0\0\0\x02", 4) + "ab" +
                                 std::string("\0\0\0\0", 4) + std::string("\0\0\0\x02", 4) + std::string("\0x", 2);
    BOOST_TEST(frame == expected);
}

BOOST_AUTO_TEST_CASE(frames_arriving_a_byte_at_a_time_come_out_whole_and_in_order)
{
    const std::string bytes = writeFrame({"save_state", "h1", ""}) + writeFrame({}) + writeFrame({"x"});
    WriteFrameReader reader;
    std::vector<WriteFields> frames;
    for (char byte : bytes) {
        reader.append(&byte, 1);
        while (auto fields = reader.next())
            frames.push_back(*fields);
    }
    BOOST_REQUIRE(frames.size() == 3u);
    BOOST_TEST(frames[0] == (WriteFields{"save_state", "h1", ""}));
    BOOST_TEST(frames[1].empty());
    BOOST_TEST(frames[2] == (WriteFields{"x"}));
    BOOST_TEST(reader.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(an_unfinished_frame_waits_for_more)
{
    const std::string frame = writeFrame({"abc"});
    WriteFrameReader reader;
    reader.append(frame.data(), frame.size() - 1);
    BOOST_TEST(!reader.next().has_value());
    BOOST_TEST(reader.buffered() == frame.size() - 1);
    reader.append(frame.data() + frame.size() - 1, 1);
    BOOST_TEST(reader.next().value() == (WriteFields{"abc"}));
}

BOOST_AUTO_TEST_CASE(a_frame_over_the_limit_is_refused_from_its_length_alone)
{
    BOOST_CHECK_THROW(writeFrame({std::string(si::kMostWriteFrameBytes, 'a')}), WriteFrameError);
    WriteFrameReader reader;
    reader.append("\x7f\xff\xff\xff", 4);
    BOOST_CHECK_THROW(reader.next(), WriteFrameError);
}

BOOST_AUTO_TEST_CASE(a_field_running_past_its_frame_is_refused)
{
    // A frame of 6 bytes whose one field claims 9.
    const std::string bytes = std::string("\0\0\0\x06", 4) + std::string("\0\0\0\x09", 4) + "ab";
    WriteFrameReader reader;
    reader.append(bytes.data(), bytes.size());
    BOOST_CHECK_THROW(reader.next(), WriteFrameError);
}

BOOST_AUTO_TEST_CASE(a_field_length_cut_short_is_refused)
{
    const std::string bytes = std::string("\0\0\0\x02", 4) + std::string("\0\0", 2);
    WriteFrameReader reader;
    reader.append(bytes.data(), bytes.size());
    BOOST_CHECK_THROW(reader.next(), WriteFrameError);
}

BOOST_AUTO_TEST_SUITE_END()
