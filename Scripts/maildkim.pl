#!/usr/bin/env perl
# Mail::DKIM (Debian's libmail-dkim-perl) as an independent DKIM and ARC implementation for the
# integration suite. Keys are asked of the suite's nsd (MXRAY_NSD=127.0.0.1:PORT); signing uses
# MXRAY_INTEROP_KEY as MXRAY_INTEROP_SELECTOR._domainkey.MXRAY_INTEROP_DOMAIN.
#   maildkim.pl arc-verify FILE         the ARC chain's result; exit 0 on pass
#   maildkim.pl dkim-verify FILE        every DKIM signature's result; exit 0 when all pass
#   maildkim.pl dkim-sign IN OUT        adds a DKIM-Signature (rsa-sha256, relaxed/relaxed)
#   maildkim.pl arc-seal IN OUT HOP     adds Authentication-Results for hop<HOP>.example and seals
# Exit status 1 when a result is not pass (or nothing was written), 2 on error.
use strict;
use warnings;
use Mail::DKIM::ARC::Signer;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::DNS;
use Mail::DKIM::Signer;
use Mail::DKIM::TextWrap;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my ($host, $port) = split /:/, $ENV{MXRAY_NSD} // die "MXRAY_NSD is not set\n";
Mail::DKIM::DNS::resolver(
    Net::DNS::Resolver->new(nameservers => [$host], port => $port, recurse => 0, udp_timeout => 3, retry => 1));

sub read_lines {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "cannot read $path: $!\n";
    my @lines = map { my $l = $_; $l =~ s/\r?\n\z/\r\n/; $l } <$fh>;
    close $fh;
    return @lines;
}

sub feed {
    my ($engine, @lines) = @_;
    $engine->PRINT($_) for @lines;
    $engine->CLOSE;
    return $engine;
}

sub write_file {
    my ($path, @parts) = @_;
    open(my $out, '>', $path) or die "cannot write $path: $!\n";
    binmode $out;
    print $out @parts;
    close $out;
}

sub folded { my ($text) = @_; $text =~ s/\r?\n/\r\n/g; $text .= "\r\n" unless $text =~ /\r\n\z/; return $text }

my ($mode, @args) = @ARGV;
my %key = (
    Domain   => $ENV{MXRAY_INTEROP_DOMAIN},
    Selector => $ENV{MXRAY_INTEROP_SELECTOR},
    KeyFile  => $ENV{MXRAY_INTEROP_KEY},
);
if ($mode eq 'arc-verify') {
    my $arc = feed(Mail::DKIM::ARC::Verifier->new(), read_lines($args[0]));
    print $arc->result, " ", ($arc->result_detail // ""), "\n";
    exit($arc->result eq 'pass' ? 0 : 1);
}
if ($mode eq 'dkim-verify') {
    my $dkim = feed(Mail::DKIM::Verifier->new(), read_lines($args[0]));
    my @results = map { $_->result . " d=" . ($_->domain // "?") . " a=" . ($_->algorithm // "?")
        . ($_->result_detail ? " (" . $_->result_detail . ")" : "") } $dkim->signatures;
    print join("\n", @results), "\n";
    my $all = @results && !grep { $_->result ne 'pass' } $dkim->signatures;
    exit($all ? 0 : 1);
}
if ($mode eq 'dkim-sign') {
    my @lines = read_lines($args[0]);
    my $signer = feed(Mail::DKIM::Signer->new(%key, Algorithm => 'rsa-sha256', Method => 'relaxed',
        Timestamp => 1790000000), @lines);
    write_file($args[1], folded($signer->signature->as_string), @lines);
    exit 0;
}
if ($mode eq 'arc-seal') {
    my ($in, $out, $hop) = @args;
    my @lines = read_lines($in);
    my $arc = feed(Mail::DKIM::ARC::Verifier->new(), @lines);
    my $cv = $arc->result eq 'pass' ? 'pass' : ($arc->result eq 'none' ? 'none' : 'fail');
    my $srv = "hop$hop.example";
    unshift @lines, "Authentication-Results: $srv; spf=pass smtp.mailfrom=alice\@example.com; arc=$cv\r\n";
    my $signer = feed(Mail::DKIM::ARC::Signer->new(%key, Algorithm => 'rsa-sha256', Chain => 'ar',
        SrvId => $srv, Timestamp => 1790000000 + $hop), @lines);
    if ($signer->result ne 'sealed') {
        print "not sealed: ", $signer->result, " ", ($signer->result_detail // ""), "\n";
        exit 1;
    }
    write_file($out, folded($signer->as_string), @lines);
    exit 0;
}
print STDERR "usage: maildkim.pl arc-verify FILE | dkim-verify FILE | dkim-sign IN OUT | arc-seal IN OUT HOP\n";
exit 2;
