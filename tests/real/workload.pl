# SPDX-License-Identifier: MIT
# workload.pl: hashes, regexes, sorting, sprintf, closures and a forked child.
use strict;
use warnings;
my %h;
for my $i (1 .. 200000) {
    my $k = sprintf("k%05d", ($i * 7919) % 10007);
    push @{ $h{$k} }, $i % 13;
}
my $total = 0;
$total += scalar @{ $h{$_} } for keys %h;
print scalar(keys %h), " keys, $total values\n";
my @sorted = sort { $h{$b}[0] <=> $h{$a}[0] || $a cmp $b } keys %h;
print "@sorted[0 .. 4]\n";
my $text = join(" ", map { "word$_" } 1 .. 50000);
my $n = () = $text =~ /word(\d*7)\b/g;
print "matches $n\n";
(my $t2 = $text) =~ s/word(\d+)/<$1>/g;
print length($t2), "\n";
my @subs = map { my $x = $_; sub { $x * $_[0] } } 1 .. 1000;
my $s = 0;
$s += $_->(3) for @subs;
print "closures $s\n";
my $pid = fork();
if ($pid == 0) { my @a = map { [$_] x 10 } 1 .. 10000; exit(scalar(@a) % 256); }
waitpid($pid, 0);
print "child status ", $? >> 8, "\n";
print `echo from a subshell`;
exit 3;
