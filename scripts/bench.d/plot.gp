# gnuplot -e "datadir='DIR'; outfile='FILE.png'" plot.gp
# The first bar of each panel (dumpr) is drawn darker.
# DIR holds load.dat, tail.dat, offline.dat ("label" rows_per_s peak_rss_mib) and title.txt.
set terminal pngcairo size 1500,900 font ",10"
set output outfile
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by 20 right scale 0
set offsets 0.5, 0.5, 0, 0
set key off
set format y "%.0s%c"
title_text = system("cat '".datadir."/title.txt'")
set multiplot layout 2,3 title title_text font ",12"
do for [s in "load tail offline"] {
  set title s.": rows per second (higher is better)"
  set yrange [0:*]
  plot datadir."/".s.".dat" using 0:2:($0 == 0 ? 0x1f5f8b : 0x9ab7cf):xtic(1) with boxes lc rgb variable, \
       '' using 0:2:(sprintf("%.0fk", $2/1000)) with labels offset 0,0.7 font ",9"
}
set format y "%.0f"
do for [s in "load tail offline"] {
  set title s.": peak RSS, MiB (lower is better)"
  set yrange [0:*]
  plot datadir."/".s.".dat" using 0:3:($0 == 0 ? 0xb8641a : 0xe8c29a):xtic(1) with boxes lc rgb variable, \
       '' using 0:3:(sprintf("%.1f", $3)) with labels offset 0,0.7 font ",9"
}
unset multiplot
