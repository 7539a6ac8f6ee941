// CRC-32 as binlog checksums use it (binlog_checksum=CRC32): the zlib/IEEE 802.3 polynomial,
// reflected 0xEDB88320, initial value and final xor 0xFFFFFFFF; stored little-endian as the last
// four bytes of every event (MySQL binlog_event.h, "Checksum"; MariaDB log_event.h).
#pragma once

#include <cstdint>

#include "binlog/reader.hpp"

namespace dumpr::binlog {

// CRC-32 of `data`, continuing from `crc` (0 to start), as zlib's crc32(crc, data, len).
std::uint32_t crc32(Bytes data, std::uint32_t crc = 0);

}  // namespace dumpr::binlog
