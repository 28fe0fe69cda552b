# The two set-up commands of README.md: `make demo` and `make test`.
# Both install the system libraries first when they are missing.

PRETEXT := .build/release/pretext
SAMPLE := corpora/en-sample.txt corpora/ko-sample.txt

.PHONY: demo test system-libraries release clean

demo: system-libraries release
	$(PRETEXT) pack $(SAMPLE) --output shards/sample --overwrite
	$(PRETEXT) inspect shards/sample
	$(PRETEXT) inspect shards/sample --record 0 --vocab shards/sample/vocab.txt
	$(PRETEXT) verify shards/sample

test: system-libraries
	swift build --build-tests
	swift test

release:
	swift build -c release --product pretext

system-libraries:
	@bash scripts/install-system-libraries.sh

clean:
	rm -rf .build shards/sample
