#!/usr/bin/env perl
# Validates a message's ARC chain with Mail::DKIM (Debian's libmail-dkim-perl), asking the nsd of
# the integration suite (MXRAY_NSD=127.0.0.1:PORT) for keys. Prints the result; exit status 0 on
# pass, 1 otherwise.
#   arc_verify_maildkim.pl FILE
use strict;
use warnings;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($host, $port) = split /:/, $ENV{MXRAY_NSD} // die "MXRAY_NSD is not set\n";
Mail::DKIM::DNS::resolver(
    Net::DNS::Resolver->new(nameservers => [$host], port => $port, recurse => 0, udp_timeout => 3, retry => 1));
my $arc = Mail::DKIM::ARC::Verifier->new();
open(my $fh, '<', $ARGV[0]) or die "cannot read $ARGV[0]: $!\n";
while (my $line = <$fh>) {
    $line =~ s/\r?\n\z/\r\n/;
    $arc->PRINT($line);
}
close $fh;
$arc->CLOSE;
print $arc->result, " ", ($arc->result_detail // ""), "\n";
exit($arc->result eq 'pass' ? 0 : 1);
