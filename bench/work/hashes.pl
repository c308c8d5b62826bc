# SPDX-License-Identifier: MIT
# hashes.pl - the perl workload of `make bench`: hashes of arrays of strings,
# string building and sorting; perl's own allocator is off in Debian's build,
# so every block is a malloc. Prints a checksum.
use strict;
use warnings;
my $n = shift // 100000;
my %groups;
my $seed = 7;
for my $i (1 .. $n) {
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    my $key = "key-" . ($seed % 2000);
    push @{ $groups{$key} }, "value-$i-" . ("x" x ($seed % 40));
}
my $sum = 0;
for my $k (sort keys %groups) {
    my $joined = join(",", sort @{ $groups{$k} });
    $sum += length($joined);
    delete $groups{$k} if $seed++ % 3 == 0;
}
print "hashes n=$n sum=$sum\n";
