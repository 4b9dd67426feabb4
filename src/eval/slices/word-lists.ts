/*
 * Small built-in word lists for the noise detector. They are not a dictionary: the detector asks
 * "is this a known misspelling or shorthand" of every word, and "is this odd-looking word a
 * known exception" before calling it gibberish. Misspellings listed here are non-words (or chat
 * shorthand), so a hit is never a correct spelling.
 */

/** Frequent misspellings and chat shorthand: each hit is a sign of a noisy prompt. */
export const MISSPELLINGS: ReadonlySet<string> = new Set(
  (
    'teh hte adn nad taht thta waht wnat wich whcih becuase beacuse becasue thier recieve ' +
    'recieved reciept definately definatly seperate seperately occured occurence untill wierd ' +
    'accross adress acount accomodate acheive aquire arguement beleive begining calender ' +
    'comming commited concious enviroment existance foriegn goverment grammer happend ' +
    'independant knowlege liason libary maintainance neccessary necesary noticable ocasion ' +
    'persue posible prefered publically realy refered relevent remeber sucess suprise tommorow ' +
    'tomorow truely wether whould woudl shoudl coudl dont doesnt didnt cant wont isnt im ive ' +
    'youre thats whats pasword passwrod pssword paswd emial emal langauge fucntion funtion ' +
    'progam programing databse infomation problme questoin helo hellp pls plz thx thnx thnks ' +
    'ur u r wat wut hw cn smth sth ppl bc cuz coz tho'
  ).split(' '),
);

/** Words without vowels, or with long consonant runs, that are not noise. */
export const SHAPE_EXCEPTIONS: ReadonlySet<string> = new Set(
  (
    'https http www html xml css sql ssh scp tcp udp dns cdn npm pnpm nvm mkdir chmod chown ' +
    'grep sed rm ls cd pwd ffmpeg strengths lengths twelfths angstrom rhythm rhythms crwth ' +
    'schmidt'
  ).split(' '),
);
