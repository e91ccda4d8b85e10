# The dist tarball in a cached debootstrap'd Debian root with no Poco and no
# compiler, serving CGI requests under chroot (needs root; ~1.5 min the
# first time while debootstrap downloads ~216 MB, under a second once
# cached in /var/cache/stripe-install-test). Part of `make test`.
.PHONY: test-dist
test-dist: dist
	python3 tests/dist/test_dist_chroot.py
