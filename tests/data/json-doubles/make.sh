#!/usr/bin/env bash
# Rebuilds mysql-<version>.tsv from a running MySQL sandbox (scripts/sandbox --flavor mysql; the
# sandbox DIR in $DUMPR_SANDBOX): each double of make-inputs.py is stored in a JSON column and read
# back as the server prints it. See README.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sql() { bash "$here/../../../scripts/sandbox" sql "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/make-inputs.py" >"$tmp/in"
{
  echo "drop database if exists json_doubles; create database json_doubles; use json_doubles;"
  echo "create table t (id int primary key, j json); begin;"
  awk '{ printf "insert into t values (%d, '"'"'%s'"'"');\n", NR, $0 }' "$tmp/in"
  echo "commit;"
} | sql
sql -N -B -e "select j from json_doubles.t order by id" >"$tmp/out"
sql -e "drop database json_doubles"
version=$(sql -N -B -e "select substring_index(version(), '-', 1)")
[ "$(wc -l <"$tmp/in")" = "$(wc -l <"$tmp/out")" ] || { echo "make.sh: row count differs" >&2; exit 1; }
paste "$tmp/in" "$tmp/out" >"$here/mysql-$version.tsv"
echo "wrote $here/mysql-$version.tsv ($(wc -l <"$tmp/in") doubles)"
