#!/usr/bin/env bash
# timeout: 120
# cost: 8
# perl under the shim over 50k generated lines: regex parsing and
# substitution, hashes (nested and growing strings), split/join, sprintf,
# sort with custom comparisons, a Schwartzian transform; plus die's exit
# status. Distinct keys stay in the thousands so the page backend (one mapping
# per block) keeps well under vm.max_map_count.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
need perl awk

gen_text lines.txt 50000 4242
[[ $(wc -l <lines.txt) == 50000 ]] || fail "generator wrote $(wc -l <lines.txt) lines"

cat >words.pl <<'PL_EOF'
use strict;
use warnings;

my (%pair, %word, %bucket, %vowels, @sample);
my ($lines, $sum, $chars, $upper) = (0, 0, 0, 0);
while (my $l = <>) {
    chomp $l;
    $l =~ /^([a-z]+)(\d+) (\d+) ([a-z]+)-([a-z]+) (-?\d+)$/
        or die "line $.: cannot parse '$l'\n";
    my ($w, $n, $b, $p1, $p2, $v) = ($1, $2, $3, $4, $5, $6);
    $lines++;
    $sum += $v;
    my $p = $p1 lt $p2 ? "$p1-$p2" : "$p2-$p1";
    $pair{$p}{count}++;
    $pair{$p}{sum} += $v;
    push @{ $pair{$p}{last} }, $n;
    shift @{ $pair{$p}{last} } if @{ $pair{$p}{last} } > 5;
    $word{$w} .= sprintf("%x", $n % 16);
    $bucket{int($b / 4096)}++;
    $vowels{($l =~ tr/aeiou//)}++;
    # the allocation-heavy operations on every 10th line only: the page
    # backend makes a system call or two per allocation
    next if $. % 10;
    my @f = split / /, $l;
    my $r = join ",", reverse map { scalar reverse $_ } @f;
    $chars += length $r;
    (my $t = $l) =~ s/([aeiou])/uc $1/ge;
    $upper += ($t =~ tr/AEIOU//);
    push @sample, $l if $. % 20 == 0;
}

printf "lines %d sum %d chars %d upper %d average %.4f\n", $lines, $sum, $chars, $upper, $sum / $lines;
my @pairs = sort { $pair{$b}{count} <=> $pair{$a}{count} || $a cmp $b } keys %pair;
printf "%d pairs\n", scalar @pairs;
for my $p (@pairs[0 .. 14], @pairs[-5 .. -1]) {
    printf "%-20s %5d %9d %8.2f last=%s\n", $p, $pair{$p}{count}, $pair{$p}{sum},
        $pair{$p}{sum} / $pair{$p}{count}, join("/", @{ $pair{$p}{last} });
}
for my $w (sort keys %word) {
    printf "%-10s len %5d checksum %08x head %s\n", $w, length $word{$w},
        unpack("%32C*", $word{$w}), substr($word{$w}, 0, 12);
}
print join(" ", map { "$_:$bucket{$_}" } (sort { $a <=> $b } keys %bucket)[0 .. 9]), "\n";
print join(" ", map { "$_:$vowels{$_}" } sort { $a <=> $b } keys %vowels), "\n";

# Schwartzian transform: by the last number, then by the first word.
my @sorted = map { $_->[0] }
    sort { $a->[1] <=> $b->[1] || $a->[2] cmp $b->[2] }
    map { [$_, (split / /)[-1], (split / /)[0]] } @sample;
print scalar(@sorted), " sampled\n";
print "$_\n" for @sorted[0 .. 4], @sorted[-5 .. -1];
my %seen;
my @uniq = grep { !$seen{$_}++ } map { /^([a-z]+)/ ? $1 : () } @sorted;
print "first-seen order: @uniq[0 .. 9]\n";
PL_EOF

same_as_plain perl_words perl words.pl lines.txt
{ grep -q '^lines 50000 ' perl_words.plain && grep -q '^2500 sampled$' perl_words.plain; } \
    || fail "unexpected plain output:"$'\n'"$(head -n 20 perl_words.plain perl_words.plain.err)"

# die's exit status (errno or 255) and an explicit exit status pass through.
# shellcheck disable=SC2016  # perl code
same_as_plain perl_die perl -e 'my %h = map { $_ => [$_] x 3 } 1 .. 2000; print scalar(keys %h), "\n"; die "stop\n"'
same_as_plain perl_exit perl -e 'print "x" x 100, "\n"; exit 6'
exit 0
