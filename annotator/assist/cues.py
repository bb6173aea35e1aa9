"""Word inventories of the quotation detector (``quotes.py``), for Indonesian and English news.

Plain data: which words introduce speech, which words are titles rather than names, which words
open a clause. The detector reads them through ``Inventory`` (one per language, or both merged
when the language is unknown). All words are lower case; matching folds case.

The lists were written from the two languages' grammar of reporting (say-verbs, inverted
``"…," kata X`` attributions, *menurut / according to* frames) and from news-agency style, in the
spirit of the GenderGapTracker's quote-verb list (sfu-discourse-lab, MIT): not copied from it.
"""

from __future__ import annotations

from dataclasses import dataclass


def words_of(text: str) -> frozenset[str]:
    """The white-space separated words of ``text``, as a set (how the lists below are written)."""
    return frozenset(text.split())


@dataclass(frozen=True)
class Inventory:
    """The cue words of one language (or of several, merged with ``|``)."""

    inverted: frozenset[str]
    """Verbs that follow the quoted words and precede their speaker: ``"…," kata Choe``, ``said Kim``.
    They also take the speaker first (``Kim said``) and a fused pronoun (``katanya``)."""
    verbs: frozenset[str]
    """Verbs of saying that take a content clause directly: ``mengatakan``, ``said``."""
    verbs_that: frozenset[str]
    """Verbs of saying whose object is often a noun phrase: reported speech only with a complementiser
    (``bahwa``, ``that``) or a clear clause after them (``mencatat bahwa``, ``announced that``)."""
    weak: frozenset[str]
    """Speech acts that report no clause (``mengecam``, ``criticised``): a quotation only when the
    sentence carries the speaker's own words in quotation marks (a mixed quote)."""
    calling: frozenset[str]
    """Verbs of naming (``called X "dangerous"``): even a one-word quoted fragment after them is
    the speaker's."""
    frames: tuple[str, ...]
    """Multi-word source frames, lower case, longest first: ``menurut``, ``according to``."""
    complementisers: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    """Dropped from the start of a descriptive speaker (``the``, ``para``)."""
    demonstratives: frozenset[str]
    """Ending a descriptive speaker, they make it point back (``direktur itu`` = the named one)."""
    adjuncts: frozenset[str]
    """Words that end a speaker noun phrase (``kata X di Jakarta``, ``said X in a statement``)."""
    starters: frozenset[str]
    """Capitalised sentence openers that are no names (``Namun``, ``However``)."""
    connectives: frozenset[str]
    """Openers dropped before a subject (``Namun``, ``But``); a chunk led by an adjunct word instead is a
    circumstance (``Dalam sambutannya``)."""
    passive_prefix: frozenset[str]
    """Passive forms that report speech with the speaker after them (``diakuinya``, ``dijelaskan``)."""
    head_first: bool = False
    """Noun phrases put their head first (Indonesian ``juru bicara Wingnut``: Wingnut's spokesperson)."""

    def __or__(self, other: Inventory) -> Inventory:
        return Inventory(
            inverted=self.inverted | other.inverted,
            verbs=self.verbs | other.verbs,
            verbs_that=self.verbs_that | other.verbs_that,
            weak=self.weak | other.weak,
            calling=self.calling | other.calling,
            frames=tuple(sorted(set(self.frames) | set(other.frames), key=lambda f: -len(f))),
            complementisers=self.complementisers | other.complementisers,
            pronouns=self.pronouns | other.pronouns,
            determiners=self.determiners | other.determiners,
            demonstratives=self.demonstratives | other.demonstratives,
            adjuncts=self.adjuncts | other.adjuncts,
            starters=self.starters | other.starters,
            connectives=self.connectives | other.connectives,
            passive_prefix=self.passive_prefix | other.passive_prefix,
            head_first=self.head_first and other.head_first,
        )


INDONESIAN = Inventory(
    inverted=words_of("""
        kata ujar ucap tutur ungkap jelas tegas sebut tambah lanjut imbuh papar terang tandas pungkas
        kilah seru tulis lapor harap aku katakan bilang ungkapnya
    """),
    verbs=words_of("""
        mengatakan menyatakan menegaskan menjelaskan mengungkapkan menyebutkan menambahkan mengemukakan
        menuturkan memaparkan menerangkan mengaku mengakui membantah berkata bilang mengingatkan
        memperingatkan menekankan mengutarakan membenarkan menandaskan menyampaikan berpendapat menuding
        mengeluhkan
    """),
    verbs_that=words_of("""
        mencatat menyoroti melaporkan mengumumkan menggambarkan menyimpulkan meminta mendesak menuduh
        menulis menyebut mengutip menyerukan menjanjikan memprediksi mengklaim
    """),
    weak=words_of("""
        mengkritik mengecam memuji berterima menuduh menyalahkan mendesak menyoroti menyerukan menyambut
        mengapresiasi menyesalkan menolak menentang
    """),
    calling=words_of("menyebut menyebutnya menjuluki menamakan menggambarkan menilai"),
    frames=("mengutip dari", "dikutip dari", "seperti dikutip", "menurut", "mengutip"),
    complementisers=words_of("bahwa jika kalau agar supaya"),
    pronouns=words_of("ia dia beliau mereka kami"),
    determiners=words_of("para sang si seorang sejumlah beberapa banyak sebuah kedua salah satu pihak"),
    demonstratives=words_of("itu ini tersebut"),
    adjuncts=words_of("""
        di dalam kepada pada usai saat ketika seraya sambil yang dari melalui sebelum setelah sesaat menjelang
        seusai selepas kemarin kamis jumat sabtu minggu senin selasa rabu sebagaimana seperti untuk bahwa
        baru-baru lewat via dengan terhadap soal tentang mengenai
    """),
    starters=words_of("""
        namun sementara sedangkan selain dalam dengan menurut kemudian sebelumnya selanjutnya meski meskipun
        jika karena oleh pada saat ketika untuk bagi hal ini itu para sang sebuah seorang beberapa banyak tapi
        tetapi dan atau jadi lebih juga hingga sejak setelah sebelum di ke dari begitu bahkan demikian adapun
        apalagi sekali lagi mengutip dikutip berdasarkan sekarang kini tahun awal akhir sebagai lalu maka bila
        apabila walau walaupun kendati terkait soal mengenai tentang atas selama
    """),
    connectives=words_of("""
        namun sementara itu sedangkan tapi tetapi dan jadi bahkan demikian adapun apalagi lalu maka kemudian
        sebelumnya selanjutnya pun juga lebih lanjut sekali lagi
    """),
    passive_prefix=words_of("""
        diakuinya dikatakannya ditambahkannya dijelaskannya diungkapkannya disebutkannya ditegaskannya
        dikatakan dijelaskan diungkapkan ditegaskan ditambahkan diutarakan diakui disebutkan dikemukakan
    """),
    head_first=True,
)

ENGLISH = Inventory(
    inverted=words_of("""
        said says say added adds explained explains wrote writes noted notes stated states
        asked asks continued continues insisted insists argued argues recalled recalls reported reports
        warned warns claimed claims replied replies concluded concludes admitted admits remarked
        observed observes exclaimed suggested suggests commented comments read reads tweeted tweets
        acknowledged acknowledges announced announces confirmed confirms
    """),
    verbs=words_of("""
        said says say told tells tell added adds stated states noted notes warned warns claimed claims
        argued argues explained explains insisted insists asserted asserts maintained maintains stressed
        stresses emphasised emphasized emphasises emphasizes suggested suggests observed observes admitted
        admits acknowledged acknowledges contended contends declared declares replied
        replies responded responds commented comments charged charges alleged alleges theorized theorised
        proclaimed proclaims wrote writes reasoned reasons recalled recalls predicted predicts promised
        promises confirmed confirms denied denies countered counters
    """),
    verbs_that=words_of("""
        announced announces reported reports revealed reveals concluded concludes recommended recommends
        ruled rules indicated indicates disclosed discloses asked asks highlighted highlights
        described describes tweeted tweets
    """),
    weak=words_of("""
        criticised criticized criticises criticizes condemned condemns praised praises thanked thanks
        accused accuses blamed blames urged urges hailed hails slammed slams welcomed welcomes denounced
        denounces characterized characterised characterizes characterises described describes
    """),
    calling=words_of("""
        called calls call dubbed dubs labelled labeled labels branded brands termed terms described describes
        characterized characterised characterizes characterises deemed
    """),
    frames=("according to", "as quoted by", "in the words of", "quoting"),
    complementisers=words_of("that"),
    pronouns=words_of("he she they it"),
    determiners=words_of("""
        the a an one some several many both each another other two three four few most all
    """),
    demonstratives=words_of("that this"),
    adjuncts=words_of("""
        in at on to of during while after before who which when from as with for via through by last this
        yesterday today earlier later on monday tuesday wednesday thursday friday saturday sunday whose
        where
    """),
    starters=words_of("""
        the a an but and in on at after before as when while during however also meanwhile yesterday today
        earlier later last this that these those his her their its our speaking writing discussing
        according citing if although though despite since for with without by from of to under over it
        there here many some several both each every most one two so yet still then now instead
        furthermore moreover indeed finally first second previously currently naturally maybe perhaps
        allegedly reportedly unfortunately luckily
    """),
    connectives=words_of("""
        but and however meanwhile also so yet still then instead indeed finally furthermore moreover though
        although whereas while
    """),
    passive_prefix=frozenset(),
)

BOTH = INDONESIAN | ENGLISH

TITLES = words_of("""
    menteri menlu menkeu menko meneg mendag menhan menkes wamen wakil presiden wapres ketua kepala direktur
    dirut dirjen dirjend deputi gubernur sekretaris sekjen juru bicara jubir komisaris manajer pejabat
    kapolri kapolda kapolres jenderal kolonel letnan mayor brigjen irjen kombes panglima duta besar dubes
    menlu perdana pm raja ratu pangeran presdir wadirut analis ekonom pengamat peneliti profesor guru besar
    dosen dokter dr prof ir hj h pak bu bapak ibu tn ny nn sdr kh ustaz kiai senator anggota asisten staf
    utama senior eksekutif umum khusus luar negeri dalam keuangan perekonomian perdagangan perindustrian
    pertahanan keamanan kesehatan pendidikan kehutanan pertanian perhubungan pariwisata hukum ham energi
    sumber daya mineral negara badan usaha milik bumn perencanaan pembangunan nasional keuangan perusahaan
    pengembangan pendanaan multilateral operasional teknologi pemasaran strategis humas hubungan masyarakat
    perbendaharaan pajak bea cukai logam mesin tekstil bidang urusan divisi bagian departemen kementerian
    lembaga komisi dewan majelis pengurus kantor pusat cabang regional wilayah retail banking kredit
    president vice prime minister secretary general director chief executive officer chairman chairwoman
    chair spokesman spokeswoman spokesperson senator governor mayor judge justice professor dr mr mrs ms
    miss sir dame lord lady rev reverend father captain colonel general lieutenant sergeant officer
    detective inspector commissioner king queen prince princess pope ambassador envoy minister deputy
    assistant special associate senior junior acting interim former shadow home foreign defence defense
    finance interior justice health education environment trade energy transport labour labor treasury
    state federal national international executive managing administrator chancellor premier
    representative rep congressman congresswoman councillor councilor coach manager captain editor
    reporter analyst economist researcher curator founder co-founder head member leader owner expert ceo cfo
    coo cto md mp mep qc sc
    emeritus dean provost principal headmaster superintendent sheriff attorney prosecutor lawyer
    barrister solicitor counsel advocate undersecretary bishop archbishop cardinal imam rabbi pastor sheikh
""")
"""Words of titles, offices and ministries: dropped before a person's name (``Menteri Luar Negeri
Rusia Sergey Lavrov`` -> ``Sergey Lavrov``), a speaker made of them only stays as written (``Menkeu``)."""

PERSON_TITLES = words_of("""
    menteri menlu menkeu menko meneg wakil presiden ketua kepala direktur dirut dirjen deputi gubernur
    sekretaris juru bicara jubir komisaris manajer pejabat analis president minister secretary director
    chief chairman spokesman spokeswoman spokesperson governor mayor ceo head coach manager editor founder
    officer representative member professor analyst leader curator researcher co-founder
""")
"""Titles that name a person's office (an institution's name may contain them only after the person)."""

INSTITUTIONS = words_of("""
    badan bank komisi kementerian departemen lembaga dewan majelis universitas institut yayasan partai biro
    pemerintah pemkot pemkab pemprov mahkamah pengadilan kejaksaan kepolisian polda polres asosiasi serikat
    commission ministry department agency council university institute foundation bureau court government
    committee association
""")
"""Words that open the name of an institution (``Badan Pusat Statistik``, ``Bank Indonesia``)."""

PLACES = words_of("""
    indonesia rusia russia as amerika serikat united states us u.s. u.s usa u.k korea utara selatan north south
    east west timur barat jepang japan china tiongkok cina inggris britain uk u.k. england prancis france
    jerman germany malaysia singapura singapore australia india thailand vietnam filipina philippines
    eropa europe asia afrika africa arab saudi iran irak iraq suriah syria israel palestina palestine
    mesir egypt turki turkey ukraina ukraine belanda netherlands kanada canada brasil brazil meksiko mexico
    italia italy spanyol spain new zealand selandia baru jakarta washington moskow moscow beijing london
    paris tokyo pyongyang seoul texas california ontario indonesian russian american british korean
    japanese chinese french german malaysian australian indian afghan afghanistan swedish tunisian
    panamanian belgian english european asian african saudi iranian iraqi syrian israeli palestinian
    egyptian turkish ukrainian dutch canadian brazilian mexican italian spanish zealander scottish irish
    welsh greek
""")
"""Countries, capitals and nationality words, which stand between a title and a name."""

ORG_WORDS = words_of("""
    pt tbk persero ltd inc corp co plc llc group grup bank council party association agency department
    ministry office commission committee foundation institute university college school hospital court
    police army navy force forces union society center centre service services board authority district
    relations study survey report project programme program fund forum festival award awards
    organisation organization company corporation times news post herald journal gazette press
    network radio television tv
""")
"""Words of organisation names: a name that ends with one names no person."""

DOCUMENT_NOUNS = words_of("""
    rekaman laporan data dokumen pernyataan siaran rilis surat catatan transkrip survei studi kajian
    hasil keterangan informasi sumber pidato postingan unggahan
    recording report reports data document statement release letter record transcript survey study
    figures analysis information source sources posting post website filing records results findings
""")
"""Heads of a source that is a text, not a speaker: in ``…, menurut rekaman pidato`` the clause's
own subject (``Lavrov mengkritik …``) is the speaker, when it has one."""

DATES = words_of("""
    senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli agustus september
    oktober november desember monday tuesday wednesday thursday friday saturday sunday january february
    march may june july august october december image video audio
""")
"""Days, months (and caption words): capitalised, but never a speaker."""

ID_STOPWORDS = words_of("yang dan di ini itu dengan untuk dari tidak akan pada dalam juga bahwa ke oleh adalah")
EN_STOPWORDS = words_of("the and of to in is that for with was on said were are has have by it as at")
