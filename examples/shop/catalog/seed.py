"""The products the catalog starts with. Stock is large so that load runs do not sell out."""

STOCK = 100_000

_ROWS = [
    ("p01", "Field notebook, dotted", "stationery", 1290, "A5, 192 pages, lies flat."),
    ("p02", "Fountain pen, fine nib", "stationery", 3450, "Steel nib, converter included."),
    ("p03", "Ink, blue-black, 50 ml", "stationery", 1190, "Water-resistant once dry."),
    ("p04", "Desk lamp, warm LED", "home", 4990, "Dimmable, 2700 K."),
    ("p05", "Ceramic mug, 350 ml", "kitchen", 1450, "Dishwasher safe."),
    ("p06", "Pour-over coffee dripper", "kitchen", 2290, "Porcelain, size 02."),
    ("p07", "Burr coffee grinder", "kitchen", 8900, "Hand grinder, 40 settings."),
    ("p08", "Loose-leaf tea sampler", "kitchen", 1890, "Six teas, 25 g each."),
    ("p09", "Trail running socks", "outdoor", 1590, "Merino blend, pair."),
    ("p10", "Headlamp, 400 lm", "outdoor", 3990, "USB-C rechargeable."),
    ("p11", "Water bottle, 750 ml", "outdoor", 2490, "Insulated steel."),
    ("p12", "Camping stove", "outdoor", 5490, "Canister stove, 3 kW."),
    ("p13", "Wooden puzzle box", "toys", 2790, "Seven-step secret opening."),
    ("p14", "Kite, delta", "toys", 3190, "For light and medium wind."),
    ("p15", "Card game, cooperative", "toys", 1990, "2-5 players, 30 minutes."),
    ("p16", "Paperback: Designing Data-Intensive Applications", "books", 4290, "O'Reilly."),
    ("p17", "Paperback: Site Reliability Engineering", "books", 3990, "O'Reilly."),
    ("p18", "Paperback: Release It!", "books", 3590, "Pragmatic Bookshelf."),
    ("p19", "Hardcover: The Art of Computer Programming 1", "books", 7990, "Addison-Wesley."),
    ("p20", "Wool blanket", "home", 8490, "130 x 180 cm."),
    ("p21", "Linen tea towels, set of 2", "kitchen", 1690, "Stonewashed."),
    ("p22", "Plant pot, terracotta", "home", 1290, "14 cm, with saucer."),
    ("p23", "Bicycle bell", "outdoor", 990, "Brass, loud and clear."),
    ("p24", "Chess set, travel", "toys", 2490, "Magnetic, folding board."),
]

PRODUCTS = [
    {
        "id": pid,
        "name": name,
        "category": category,
        "price_cents": price,
        "stock": STOCK,
        "description": description,
    }
    for pid, name, category, price, description in _ROWS
]
