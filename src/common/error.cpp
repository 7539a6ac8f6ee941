#include "dumpr/error.hpp"

namespace dumpr {

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return 2;
    case ErrorKind::connection:
      return 3;
    case ErrorKind::auth:
      return 3;
    case ErrorKind::server_config:
      return 4;
    case ErrorKind::privilege:
      return 5;
    case ErrorKind::not_found:
      return 6;
    case ErrorKind::position:
      return 7;
    case ErrorKind::corrupt:
      return 8;
    case ErrorKind::io:
      return 9;
    case ErrorKind::schema:
      return 10;
    case ErrorKind::delivery:
      return 11;
    case ErrorKind::fenced:
      return 12;
    case ErrorKind::internal:
      return 70;
  }
  return 70;
}

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::connection:
      return "connection";
    case ErrorKind::auth:
      return "authentication";
    case ErrorKind::server_config:
      return "server configuration";
    case ErrorKind::privilege:
      return "privilege";
    case ErrorKind::not_found:
      return "not found";
    case ErrorKind::position:
      return "position";
    case ErrorKind::corrupt:
      return "corrupt input";
    case ErrorKind::io:
      return "i/o";
    case ErrorKind::schema:
      return "schema";
    case ErrorKind::delivery:
      return "delivery";
    case ErrorKind::fenced:
      return "fenced";
    case ErrorKind::internal:
      return "internal";
  }
  return "?";
}

}  // namespace dumpr
