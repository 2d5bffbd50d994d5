"""Word lists the synthetic customers are drawn from."""

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Amy "
    "Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Stephen Anna "
    "Larry Pamela Justin Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel "
    "Debra Gregory Rachel Alexander Carolyn Patrick Janet Frank Maria Raymond Olivia Jack "
    "Heather Dennis Helen Jerry Catherine Tyler Diane Aaron Julie Jose Victoria Adam Joyce "
    "Nathan Lauren Henry Kelly Zachary Christina Douglas Ruth Peter Joan Kyle Virginia Noah "
    "Judith Ethan Evelyn Jeremy Hannah Walter Andrea Christian Megan Keith Cheryl Roger Jacqueline "
    "Terry Martha Austin Madison Sean Teresa Gerald Kathryn Carl Sara Harold Janice Dylan Julia "
    "Arthur Grace Lawrence Judy Jordan Theresa Jesse Rose Bryan Beverly Billy Denise Bruce Marilyn "
    "Gabriel Amber Joe Danielle Logan Brittany Alan Diana Juan Abigail Albert Jane Willie Lori "
    "Elijah Alexis Wayne Tiffany Randy Kayla Vincent Marie Mason Natalie Roy Sophia Ralph Ava "
    "Bobby Isabella Russell Mia Bradley Aaliyah Philip Camila Eugene Lucia Wei Priya Hiroshi "
    "Mei Arjun Fatima Omar Chen Yuki Santiago Valentina Mateo Ximena Amara Kwame Ingrid Lars"
).split()

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns "
    "Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt "
    "Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer "
    "Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Blacksmith Okafor Nakamura Kowalski Lindqvist Haddad Oyelaran Tanaka Rossi Dubois Novak"
).split()

COMPANY_HEADS = [
    "Green Leaf", "Golden State", "Pacific Coast", "Evergreen", "Sunset Harbor", "Mountain High",
    "Cascade", "Redwood", "Blue River", "Silver Lake", "Canyon", "Desert Bloom", "Emerald City",
    "High Desert", "Northern Lights", "Riverside", "Oak Valley", "Cedar Grove", "Bayview",
    "Lakeside", "Highland", "Prairie Wind", "Sierra Vista", "Copper Creek", "Golden Gate",
    "Twin Pines", "Maple Street", "Main Street", "Union Square", "Old Town", "Westside",
    "Eastside", "Hilltop", "Blacksmith", "Foxglove", "Juniper", "Willow", "Sage", "Ironwood",
    "Aspen", "Bluebird", "Magnolia", "Hearth", "Harvest Moon", "Wildflower", "Coastal",
]
COMPANY_TAILS = [
    "Goods", "Market", "Dispensary", "Wellness", "Collective", "Provisions", "Supply Co.",
    "Trading", "Apothecary", "General Store", "Co-op", "Mercantile", "Outfitters", "Emporium",
    "Pharmacy", "Grocers", "Boutique", "Depot", "Farms", "Kitchen",
]

# (city, state, zip prefix, area codes)
PLACES = [
    ("Los Angeles", "CA", "900", ("213", "310", "323")), ("San Francisco", "CA", "941", ("415",)),
    ("Oakland", "CA", "946", ("510",)), ("San Diego", "CA", "921", ("619", "858")),
    ("Sacramento", "CA", "958", ("916",)), ("Portland", "OR", "972", ("503", "971")),
    ("Eugene", "OR", "974", ("541",)), ("Seattle", "WA", "981", ("206",)),
    ("Spokane", "WA", "992", ("509",)), ("Denver", "CO", "802", ("303", "720")),
    ("Boulder", "CO", "803", ("303",)), ("Las Vegas", "NV", "891", ("702",)),
    ("Reno", "NV", "895", ("775",)), ("Phoenix", "AZ", "850", ("602", "480")),
    ("Tucson", "AZ", "857", ("520",)), ("Detroit", "MI", "482", ("313",)),
    ("Ann Arbor", "MI", "481", ("734",)), ("Chicago", "IL", "606", ("312", "773")),
    ("Boston", "MA", "021", ("617",)), ("New York", "NY", "100", ("212", "646")),
    ("Brooklyn", "NY", "112", ("718",)), ("Newark", "NJ", "071", ("973",)),
    ("Albuquerque", "NM", "871", ("505",)), ("Anchorage", "AK", "995", ("907",)),
    ("Oklahoma City", "OK", "731", ("405",)), ("Burlington", "VT", "054", ("802",)),
    ("Portland", "ME", "041", ("207",)), ("Baltimore", "MD", "212", ("410",)),
]
STREETS = ["Main St", "Oak Ave", "Pine St", "Maple Ave", "Cedar Rd", "Elm St", "Market St",
           "Broadway", "Mission St", "Sunset Blvd", "Lake Shore Dr", "Park Ave", "2nd St",
           "Washington Ave", "Highland Ave", "Valencia St", "Alder Way", "Harbor Blvd"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me",
                 "hotmail.com", "fastmail.com"]
TAGS = ["vip", "wholesale", "net-terms", "priority", "new-account", "delivery", "pickup",
        "samples", "at-risk", "loyalty", "events", "high-volume"]
SHOPPER_LEVELS = ["Bronze", "Silver", "Gold", "Platinum"]
LICENSE_TYPES = [
    ("Adult-Use Retailer", ["flower", "edibles", "vapes", "concentrates", "accessories"]),
    ("Medical Retailer", ["flower", "edibles", "tinctures", "topicals", "accessories"]),
    ("Microbusiness", ["flower", "edibles", "accessories"]),
    ("Distributor", ["flower", "edibles", "vapes", "concentrates", "tinctures", "topicals",
                     "accessories"]),
]
STATUSES = [("Customer", "#067647"), ("Lead", "#b54708"), ("Prospect", "#3538cd")]
PAYMENT_TERMS = [("COD", 0), ("Net 15", 15), ("Net 30", 30)]
STORES = [("Downtown Flagship", "downtown"), ("Eastside Market", "eastside")]
SALES_REPS = [("Dana Whitfield", "dana@demo.example"), ("Marcus Lee", "marcus@demo.example"),
              ("Priya Raman", "priya@demo.example")]
