"""The one way tests reach the real corpus.

Looked up in order: $AKSNEWS_CORPUS, ../shared/corpus beside the checkout, then a download of
the same files from the pinned raw URLs in the corpus PROVENANCE files into a cache, each checked
against its sha256 (a mismatch is an error, never silently used). Corpus text is never copied
into this repository.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

REPO = Path(__file__).resolve().parent.parent

_AKS = "https://raw.githubusercontent.com/Azure/AKS/{commit}/{path}"
_AKS_NOW = "63afd2df761c8e2891e10b381cd89fd2dbc8d0c6"
_K8S = "https://raw.githubusercontent.com/kubernetes/kubernetes/{commit}/CHANGELOG/{name}"
_RELNOTES = "https://raw.githubusercontent.com/kubernetes/sig-release/e8dfc80571dcb23c67a5ec044da17374358130cf/releases/release-{minor}/{sub}release-notes-draft.{ext}"

# relative path -> (pinned URL, sha256 of the file with trailing newlines stripped)
MANIFEST: dict[str, tuple[str, str]] = {
    "aks/CHANGELOG.md": (
        _AKS.format(commit=_AKS_NOW, path="CHANGELOG.md"),
        "0c49adcf0d761b1ed1748a837980a1965abe3e02b820aacb90c6f41331301fd5",
    ),
    "aks/CHANGELOG-2025-09-29.md": (
        _AKS.format(commit="8c2d2fc0029150b42c2bacd83b2ecb9ed1d75d9a", path="CHANGELOG.md"),
        "4ed9edb9458050ff870ac802c5b9495b811f33fbecf18b41f355498ba8c148b6",
    ),
    "aks/CHANGELOG-2024-03-22.md": (
        _AKS.format(commit="384ae7f3261ba03c688929b0adee32faa5a88777", path="CHANGELOG.md"),
        "7a3a90d309b5c80e989bdf13be4775928cdbe71e63ecd7da374a41dbeb03f1db",
    ),
    "aks/vhd-notes/AKSWindows/2022/20348.4171.250910.txt": (
        _AKS.format(commit=_AKS_NOW, path="vhd-notes/AKSWindows/2022/20348.4171.250910.txt"),
        "2e9b435f929c90a1d3ff45a403647fc5cada483ba5830bd50e3af1d4d6a483cc",
    ),
    "aks/vhd-notes/AzureLinuxv3/202510.03.0.txt": (
        _AKS.format(commit=_AKS_NOW, path="vhd-notes/AzureLinuxv3/202510.03.0.txt"),
        "646c297ae0c3f7ce88049b57cbb760eea67ebdc1b4903a23a6115bf7cdd5f5e6",
    ),
    "aks/vhd-notes/aks-ubuntu/AKSUbuntu-2204/202510.03.0.txt": (
        _AKS.format(commit=_AKS_NOW, path="vhd-notes/aks-ubuntu/AKSUbuntu-2204/202510.03.0.txt"),
        "f5cbea106f17773570b19ba3f65dc852d6d9e84888db64198b69e9118a3c59cf",
    ),
    "docs/deprecation-guide.md": (
        "https://raw.githubusercontent.com/puneet-ekline/ekline-kubernetes-website/"
        "03b4ef9fe41c79e2967626dd4273a574d8c2b06e/content/en/docs/reference/using-api/"
        "deprecation-guide.md",
        "578d5d3352dd0a269b21537968bfca715533b93d5edc86c64543e2b7f78fc538",
    ),
    "docs/deprecation-guide-2021.md": (
        "https://raw.githubusercontent.com/kubernetes/website/"
        "6a6fc841d44f14914bd4440cb365d6cf9d119947/content/en/docs/reference/using-api/"
        "deprecation-guide.md",
        "f86ea1fe07c60eb2e704903e35b9aa08d1dfed14da867c16c5effd575f08ad41",
    ),
    "docs/aks-supported-kubernetes-versions.md": (
        "https://raw.githubusercontent.com/MicrosoftDocs/azure-aks-docs/"
        "eece2bd0ab80e07f4749d9168fe27e14339cbb9b/articles/aks/supported-kubernetes-versions.md",
        "2bc10fd10c3297a106810874e92cc5b80fec8e880b287178e5f6966a19d934f3",
    ),
    "kubernetes/schedule/schedule.yaml": (
        "https://raw.githubusercontent.com/kubernetes/website/"
        "0008cd26e2dc3d7c153c5596a7435b02fc252c89/data/releases/schedule.yaml",
        "e1f0ca200f6ab3f507983c1f71e812e8d537328e91c3295316e7dc181ca8800e",
    ),
    "docs/endoflife-azure-kubernetes-service.md": (
        "https://raw.githubusercontent.com/endoflife-date/endoflife.date/"
        "e71d3d749507ef335f816c6f23a433af852841a6/products/azure-kubernetes-service.md",
        "42fcae0267ac3c40c4dfeba1a46563b923067b6017873b6542bfc49d0420fa72",
    ),
    "kubernetes/changelog/CHANGELOG-1.22.md": (
        _K8S.format(commit="abd60651f20b906e54ce2c89ad6d2b7790dba8a1", name="CHANGELOG-1.22.md"),
        "51bc6a4e2e73f9db54d1b28178ede33ad3c8086d6ea48b5e9a6b1bfa03a51061",
    ),
    "kubernetes/changelog/CHANGELOG-1.32.md": (
        _K8S.format(commit="95c119b504e8e726a0b07436f0b20819f78a1df6", name="CHANGELOG-1.32.md"),
        "639cd3256747da1ae51b42764aa0e64cfe323d2aa6f86bed38d796ab5473a6bc",
    ),
}

_RELNOTES_SHA = {
    "1.14.md": "a7b30d41fc30667282f36df11731ca9626c87ae30d0857de5a419925d1429975",
    "1.15.md": "2f5e9506992b7ae6b5757a73ee9c515884690ea468dbddcda118947924606a12",
    "1.16.md": "526ea5f02d5e0a77a6999d5100d68192a1ad44d4f346d1585dcd4273859f875b",
    "1.17.md": "2b0a40dd6257f33af26e559bc89c25a0bf5c1b40fb9a306dd5a2cd564b4dda3f",
    "1.18.md": "78cdaebb490d4ba0551887f6a6829b5fd30bae6ffd0e06d813e1790b324bd253",
    "1.19.md": "eb7f106a3c876ba72905a3e9b1b452dab6078b0f65c9dd066ef273b6a9cfdf98",
    "1.20.json": "a231a8d0f7929ddc9a046459e9635a394975d6eb2ab163a9527218e1a4756e63",
    "1.20.md": "a19141f7260bbed808fc87f2c7c3638a05e6c8ca7a6c1d7a320712337c69033a",
    "1.21.json": "a502f63344cc8f818c2c2e4a82aa47a7af65c6cce61d1870afd1d3cc3616febc",
    "1.21.md": "91cf0f190697d3f96f7431d820393fe46eb5f5c7823679f4005aed52cb785d4c",
    "1.22.json": "ef708d6aa0c89a56aecfd0995015eb97e14e230deaefde55c42aa9357674ddc4",
    "1.22.md": "daec44ae05f5dc6b6283445744014c0e451a95f53047d700b40a0551416168ac",
    "1.23.json": "576e838b6dfdd859ca0090a2237b8fbf6fe0953eee7d31afcc52b063c3aeaae3",
    "1.23.md": "37d41795ea574209bd7122e4e2b7256f73e87b5144a1b6064cde7c31f5dd163f",
    "1.24.json": "db28e76fd4f4467b2345c27958e0f21b45c2cea6b410efb1311cbe62ca7e0b61",
    "1.24.md": "eede4e819471b21a2c4d03bf410295711363127803fb0887df2f47e956e66cb9",
    "1.25.json": "fd906ecc45b88b131269db3b97ebba21953cd80e200d4d0c19583446bed4be52",
    "1.25.md": "975fd614c235b2f42048f4eff8cd80c8ccf59da3eaacd5c0328defb7c40736d9",
    "1.26.json": "5c41d39b489795f0dd384146ab2409c4b430e0e73a99854714df5397669ddcbc",
    "1.26.md": "897c9cd470f6f8518a9fd7ad536a6c26426abfc0ebceb0a15cfe47f6320f4988",
    "1.27.json": "a4d70c9048fc20f72fa1006b715b349eeb11eedce03dc2aefd94e3d4a8ed42a9",
    "1.27.md": "c3334cc2ccb2595d989c8ff6f1010de82fb705a285833edf5ae9327cb418b934",
    "1.28.json": "6ddfd8f6fe0fd19e78789610b64b9e14a6be691d7c23fe944dc5f1a5fb07b21a",
    "1.28.md": "1dd7b6b91a81f5609be8136a09b525842538a822af5398de9210b85f0b681f06",
    "1.29.json": "8f315ce9ec08764f86eda895d43925968f5ed67fb01e63e3f9c4e65ac77ef42b",
    "1.29.md": "d95ac8cf39ab3730e7bed51680324535c3e3c8ffc862491a9ec1c453898327f1",
    "1.30.json": "fecc4f21b5b1c56728b1cfe8566350c65aca34cce6bf989c509de3b7297fb9bc",
    "1.30.md": "f6f145780a34a5939c0656971f9e922951be3d4bbbb562daf56cd49fad5402bc",
    "1.31.json": "bcf8777489b4ca709475c18ceb99b101d033474b2388c33b91dc7668494a4f44",
    "1.31.md": "734e401bff1c8138d80850f407d1aa8b4ca0258607ce42291bd8f571e8b579a2",
    "1.32.json": "3fb5d97389797e7349e43f7588ec4ea113d8b0fd46e73185e0e7d91b236e8cdd",
    "1.32.md": "425457dc94db3cb32fb6aa378843cf501379eda2b686f41bbb75f51be8121085",
    "1.33.json": "cb8249c0a6aca29cf4ff9406e8be7636865fbcf18c0ccc108b0e1daa3894d968",
    "1.33.md": "9b6291b915795fd42c345547efb419f478305e4e62d52286a33b410a864de33c",
    "1.34.json": "8c45b15b739322c32bc2fa17a1deeaaaba05ee872da5fdeae73842c31f60836a",
    "1.34.md": "a6e3d620940db1af6dd6298c67883576c0caf63bf4c0dbf200344ff1e496bb96",
}
for _name, _sha in _RELNOTES_SHA.items():
    _minor, _, _ext = _name.rpartition(".")
    # 1.14 to 1.19, and 1.20's markdown, lived one folder higher in sig-release.
    _old = int(_minor.split(".")[1]) < 20 or _name == "1.20.md"
    MANIFEST[f"kubernetes/release-notes/release-notes-{_name}"] = (
        _RELNOTES.format(minor=_minor, sub="" if _old else "release-notes/", ext=_ext),
        _sha,
    )

RELEASE_NOTE_MINORS = [f"1.{n}" for n in range(14, 35)]
LABELLED_MINORS = [f"1.{n}" for n in range(20, 35)]


def _matches(data: bytes, sha: str) -> bool:
    # The upstream raw files may end with a newline that the corpus copies lack.
    return sha in (hashlib.sha256(data).hexdigest(), hashlib.sha256(data.rstrip(b"\n")).hexdigest())


def corpus_dir() -> Path | None:
    env = os.environ.get("AKSNEWS_CORPUS")
    if env:
        return Path(env)
    beside = REPO.parent / "shared" / "corpus"
    return beside if beside.is_dir() else None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aksnews-test-corpus"


def corpus_path(rel: str) -> Path:
    """Path of a corpus file, downloading and checking it when no local corpus exists."""
    root = corpus_dir()
    if root is not None:
        path = root / rel
        if not path.is_file():
            raise FileNotFoundError(f"corpus file missing: {path}")
        return path
    url, sha = MANIFEST[rel]
    path = _cache_dir() / rel
    if path.is_file() and _matches(path.read_bytes(), sha):
        return path
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - pinned https URLs
            data = response.read()
    except OSError as exc:  # URLError and timeouts: offline, say where a local corpus goes
        raise RuntimeError(
            f"corpus file {rel} not found locally and its download failed ({exc}): put the "
            f"corpus at {REPO.parent / 'shared' / 'corpus'} or point $AKSNEWS_CORPUS at one"
        ) from exc
    if not _matches(data, sha):
        raise RuntimeError(f"corpus download {url} does not match its pinned sha256")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def corpus_text(rel: str) -> str:
    return corpus_path(rel).read_text(encoding="utf-8")


def ingest_corpus(engine: Engine, *, release_notes: tuple[str, ...] = ()) -> None:
    """Fill an archive with the AKS CHANGELOG, the deprecation guide, the AKS calendar and the
    v1.NN.0 notes of the given minors ('1.25'), through the real ingest path."""
    from aksnews.config import Settings
    from aksnews.sources.pipeline import ingest_file
    from aksnews.store.handle import Archive

    settings = Settings()
    ingest_file(Archive(engine), settings, corpus_path("aks/CHANGELOG.md"), source="aks")
    ingest_file(
        Archive(engine),
        settings,
        corpus_path("docs/deprecation-guide.md"),
        source="deprecation-guide",
    )
    ingest_file(
        Archive(engine),
        settings,
        corpus_path("docs/aks-supported-kubernetes-versions.md"),
        source="aks-calendar",
    )
    for minor in release_notes:
        ingest_file(
            Archive(engine),
            settings,
            corpus_path(f"kubernetes/release-notes/release-notes-{minor}.md"),
            source="kubernetes",
            release=f"v{minor}.0",
        )


def web_archive(folder: Path, hostile_changelog: str) -> Engine:
    """The web tests' archive: the AKS CHANGELOG, the v1.29.0 notes and a small hand-written
    changelog full of markup that must stay inert, in a SQLite file under `folder`."""
    from aksnews.config import Settings
    from aksnews.sources.pipeline import ingest_file
    from aksnews.store.engine import open_engine
    from aksnews.store.handle import Archive

    engine = open_engine(f"sqlite:///{folder / 'aksnews.db'}")
    settings = Settings()
    ingest_file(
        Archive(engine),
        settings,
        corpus_path("kubernetes/release-notes/release-notes-1.29.md"),
        source="kubernetes",
        release="v1.29.0",
    )
    # The archive mirrors one AKS document: the hostile releases are appended to the real one
    # (ingested alone, they would replace it).
    combined = folder / "hostile.md"
    text = corpus_path("aks/CHANGELOG.md").read_text("utf-8")
    combined.write_text(text.rstrip("\n") + "\n\n" + hostile_changelog, encoding="utf-8")
    ingest_file(Archive(engine), settings, combined, source="aks")
    return engine
