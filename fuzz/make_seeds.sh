#!/usr/bin/env bash
# Remake the seed corpora in fuzz/seeds/<target>/ from the fixtures.
# Needs the casegraph binary (built here with `cargo build`) for the
# snapshot seeds. The seeds are small on purpose: libFuzzer grows its own
# corpus (fuzz/corpus/, not committed) from them.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{phone,time,mapping,case_file,export,snapshot,delivered,workbook}

# phone and time take two strings; `arbitrary` reads the first one's
# length from a leading byte (for inputs under 256 bytes).
pair() { # target name first second
  local len
  len=$(printf '%s' "$3" | wc -c)
  { printf "\\$(printf '%03o' "$len")"; printf '%s%s' "$3" "$4"; } >"$seeds/$1/$2"
}
pair phone plain 86 13900000001
pair phone spaced 86 '+86 139 0000 0001'
pair phone intl 86 008613900000002
pair phone dashes 44 '139-0000-0003'
pair phone short 86 10086
pair phone trunk 86 02587654321
pair time plain +08:00 '2026-03-01 09:00:00'
pair time t +08:00 '2026-03-01T09:05:00'
pair time zulu -05:30 '2026-03-01T09:05:00.250Z'
pair time offset +08:00 '2026-03-01 09:05:00+02:00'
pair time date +00:00 '2026-03-14'

cp tests/fixtures/mapped/mapping.toml "$seeds/mapping/carrier.toml"
printf '[persons]\nperson_id = "RECORD_NO"\nname = "FULL_NAME"\n[phones]\nfile = "subscribers.csv"\n' \
  >"$seeds/mapping/persons.toml"

# case_file: a byte picking the file (0 locations, 1 persons, 2 phones,
# 3 calls, 4 incidents), then the file.
i=0
for f in locations persons phones calls incidents; do
  pick="\\$(printf '%03o' $i)"
  for dir in fixtures/tiny tests/fixtures/messy; do
    { printf "$pick"; cat "$dir/$f.csv"; } >"$seeds/case_file/$f-$(basename "$dir")"
  done
  { printf "$pick"; head -c 3000 "fixtures/demo/$f.csv"; } >"$seeds/case_file/$f-demo"
  i=$((i + 1))
done
{ printf '\003'; cat tests/fixtures/binary/calls.csv; } >"$seeds/case_file/calls-binary"
{ printf '\003'; cat tests/fixtures/gbk_header/calls.csv; } >"$seeds/case_file/calls-gbk"

# export: `arbitrary` builds the rows from any bytes; these are the
# fixtures' bytes read as such (deterministic, varied).
for f in calls persons phones; do
  head -c 2000 "fixtures/tiny/$f.csv" >"$seeds/export/$f"
done
head -c 4000 tests/fixtures/export_names/persons.csv >"$seeds/export/names"

# snapshot: a flag byte (odd: reseal checksums before loading), then a
# snapshot of fixtures/tiny.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CASEGRAPH:-target/debug/casegraph} ingest fixtures/tiny --out "$tmp/tiny.cgs" --format csv >/dev/null
for flag in 0 1; do
  { printf "\\$(printf '%03o' $flag)"; cat "$tmp/tiny.cgs"; } >"$seeds/snapshot/tiny-$flag"
done
head -c 2000 "$tmp/tiny.cgs" | { printf '\000'; cat; } >"$seeds/snapshot/truncated"
# delivered: a byte picking the file name, then a delivered text file of
# fixtures/delivered (GBK and UTF-16 bills, persons, phones, incidents).
for f in fixtures/delivered/话单/bill_13600000001.csv fixtures/delivered/话单/bill_13600000002.csv \
  fixtures/delivered/人员.csv fixtures/delivered/警情.csv fixtures/delivered/机主登记.csv; do
  { printf '\000'; cat "$f"; } >"$seeds/delivered/$(basename "$f" .csv)"
done
# workbook: sheets as typed cells in the target's text form (tab-separated
# cells, `---` between sheets, `@R C` placing a sheet, `n:` `d:` `t:` ...
# typing a cell; see fuzz_targets/workbook.rs).
t=$'\t'
printf '%s\n' "中国移动通信 通话详单" "本机号码：${t}n:13800138000" "" \
  "对方号码${t}呼叫类型${t}业务类型${t}通话起始时间${t}通话时长" \
  "n:13900000001${t}主叫${t}语音${t}d:46082.375${t}t:0.000694444" \
  "13700000001${t}被叫${t}语音${t}2026/3/1 10:05:00${t}n:125" \
  "n:13700000002${t}短信发送${t}短信${t}d:46082.5${t}n:0" \
  "合计${t}n:3" "" "注：本详单仅供公安机关办案使用" >"$seeds/workbook/bill-title"
printf '%s\n' "@2 1" "本机号码${t}对方号码${t}呼叫类型${t}通话起始时间${t}通话时长(秒)" \
  "i:13800138000${t}i:13900000001${t}主叫${t}d:46082.375${t}i:60" \
  "13800138000${t}e:4${t}被叫${t}D:2026-03-01T11:00:00${t}P:PT3M" \
  "---" "说明：本文件由运营商协查平台导出" "---" \
  "基站编号${t}经度${t}纬度${t}地址" "n:12345${t}n:118.78${t}n:32.04${t}南京市鼓楼区" \
  >"$seeds/workbook/sheets"
du -sh "$seeds"/*
