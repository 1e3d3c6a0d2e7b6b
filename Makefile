# spire: the two commands of the Quick start, and the steps under them.
#   make demo   install Debian packages if missing, build, generate the demo collection, run it
#   make test   install Debian packages if missing, build, run ctest
#   make test-asan  the sanitizer job: ASan + UBSan build in $(ASAN_BUILD), unit and MPI tests
#                   (tests/sanitize/run.sh; docs/reliability.md)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPR_WERROR=ON
NP ?= 2
ASAN_BUILD ?= build-asan

DEB_PACKAGES = libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libzstd-dev cmake \
  pkg-config gcc make libopenblas-dev libutf8proc-dev libstemmer-dev libinih-dev libcjson-dev \
  libxxhash-dev libprotobuf-c-dev protobuf-c-compiler gnuplot-nox \
  slurm-wlm munge chromium
# gnuplot-nox draws the HTML reports' plots (docs/reports.md); chromium is only for the test that
# opens a report headless (tests/unit/report_html.sh skips without it; ~25 s, 120 MB to install).

.PHONY: all deps build test test-asan demo clean

all: build

deps:
	@bash cmake/install-deps.sh $(DEB_PACKAGES)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Debug keeps SPR_ASSERT on; -O1 (not -O0) is the usual ASan setting: faster, stacks still usable
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_FLAGS_DEBUG=-O1 -g" \
	  "-DSPR_SANITIZE=address;undefined" -DSPR_WERROR=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	bash tests/sanitize/run.sh $(ASAN_BUILD) $(CTEST_ARGS)

demo: build
	@bash jobs/demo.sh $(BUILD) $(NP)

clean:
	rm -rf $(BUILD)
