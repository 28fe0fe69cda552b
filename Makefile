# The two set-up commands of README.md: `make demo` and `make test`.
# Both install the system libraries first when they are missing.

PRETEXT := .build/release/pretext

.PHONY: demo test system-libraries release clean

demo: system-libraries release
	rm -rf shards/bert-nsp shards/korean-bert
	$(PRETEXT) build pipelines/bert-nsp.toml --threads 2
	$(PRETEXT) stats shards/bert-nsp
	$(PRETEXT) inspect shards/bert-nsp --record 0 --vocab pipelines/vocab/wordpiece-8k/tokenizer.json
	$(PRETEXT) verify shards/bert-nsp
	$(PRETEXT) build pipelines/korean-bert.toml --threads 2
	$(PRETEXT) inspect shards/korean-bert --record 0 --vocab pipelines/vocab/korean-wordpiece-4k/tokenizer.json
	$(PRETEXT) verify shards/korean-bert

test: system-libraries
	swift build --build-tests
	swift test
	bash scripts/python-tests.sh

release:
	swift build -c release --product pretext

system-libraries:
	@bash scripts/install-system-libraries.sh

clean:
	rm -rf .build shards/bert-nsp shards/korean-bert
