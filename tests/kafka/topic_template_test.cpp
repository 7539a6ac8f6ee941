// The topic template and topic-name rules of the Kafka sink (no broker needed).
#include <doctest/doctest.h>

#include "sink/kafka_sink.hpp"

using dumpr::sink::TopicTemplate;
using dumpr::sink::valid_topic_name;

TEST_CASE("kafka: topic templates replace {db}, {table} and {server}") {
  auto t = TopicTemplate::parse("dumpr.{db}.{table}", "srv");
  REQUIRE(t.ok());
  CHECK(t->render("shop", "people") == "dumpr.shop.people");
  CHECK(!t->shared());
  auto d = TopicTemplate::parse("{server}.{db}.{table}", "srv");
  REQUIRE(d.ok());
  CHECK(d->render("shop", "people") == "srv.shop.people");
  auto one = TopicTemplate::parse("cdc-{db}", "srv");
  REQUIRE(one.ok());
  CHECK(one->render("shop", "people") == "cdc-shop");
  CHECK(one->shared());  // several tables in one topic: keys name their table
  auto fixed = TopicTemplate::parse("all", "srv");
  REQUIRE(fixed.ok());
  CHECK(fixed->shared());
  CHECK(fixed->render("a", "b") == "all");

  auto bad = TopicTemplate::parse("x.{schema}", "srv");
  REQUIRE(!bad.ok());
  CHECK(bad.error().kind == dumpr::ErrorKind::usage);
  CHECK(bad.error().message.find("{db}, {table} and {server}") != std::string::npos);
  CHECK(!TopicTemplate::parse("x.{db", "srv").ok());
  CHECK(!TopicTemplate::parse("", "srv").ok());
}

TEST_CASE("kafka: topic names Kafka accepts") {
  CHECK(valid_topic_name("dumpr.shop.people"));
  CHECK(valid_topic_name("A-z_0.9"));
  CHECK(valid_topic_name(std::string(249, 'a')));
  CHECK(!valid_topic_name(std::string(250, 'a')));
  CHECK(!valid_topic_name(""));
  CHECK(!valid_topic_name("."));
  CHECK(!valid_topic_name(".."));
  CHECK(!valid_topic_name("dumpr.shop.my table"));
  CHECK(!valid_topic_name("dumpr.shop.caf\xc3\xa9"));
  CHECK(!valid_topic_name("a/b"));
}
