# SPDX-License-Identifier: MIT
# workload.tcl: dicts, lists, strings, regexps, and exec of a child.
set d [dict create]
for {set i 0} {$i < 100000} {incr i} {
    dict lappend d [expr {($i * 7919) % 1009}] $i
}
puts "[dict size $d] keys"
set l [lsort -integer -decreasing [dict keys $d]]
puts [lrange $l 0 4]
set s [string repeat "abc-def-" 20000]
puts [string length [string map {- +} $s]]
puts [regsub -all {b(c)} [string range $s 0 99] {<\1>}]
set total 0
foreach k [dict keys $d] { incr total [llength [dict get $d $k]] }
puts "total $total"
puts [exec sh -c {echo child; seq 1 3 | tr '\n' ' '}]
proc fib {n} { if {$n < 2} { return $n }; expr {[fib [expr {$n - 1}]] + [fib [expr {$n - 2}]]} }
puts "fib [fib 20]"
exit 4
